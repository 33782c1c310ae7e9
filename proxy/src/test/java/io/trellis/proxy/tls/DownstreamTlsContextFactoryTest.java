package io.trellis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.trellis.common.ConfigException;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.math.BigInteger;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** Key formats, several certificates and config errors of the downstream TLS context. */
class DownstreamTlsContextFactoryTest {
  record Pem(String cert, String key, KeyPair keys) {}

  static Pem make(String alg, Object keyEncoding) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
    if (alg.equals("EC")) {
      g.initialize(new ECGenParameterSpec("secp384r1"), new SecureRandom());
    } else {
      g.initialize(2048);
    }
    KeyPair kp = g.generateKeyPair();
    X500Name name = new X500Name("CN=t.test");
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
        BigInteger.ONE, new Date(System.currentTimeMillis() - 60_000), new Date(System.currentTimeMillis() + 86_400_000),
        name, kp.getPublic()).build(new JcaContentSignerBuilder(alg.equals("EC") ? "SHA256withECDSA"
            : "SHA256withRSA").build(kp.getPrivate())));
    return new Pem(pem(cert), pem(keyEncoding == null ? kp.getPrivate() : keyEncoding.equals("pkcs8")
        ? new JcaPKCS8Generator(kp.getPrivate(), null).generate()
        : new JcaPKCS8Generator(kp.getPrivate(), new JceOpenSSLPKCS8EncryptorBuilder(
            org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC).setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
            .setPassword("s3cret".toCharArray()).build())
            .generate()), kp);
  }

  static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }

  static TlsCertificate cert(Pem p) {
    return TlsCertificate.newBuilder().setCertificateChain(DataSource.newBuilder().setInlineString(p.cert()))
        .setPrivateKey(DataSource.newBuilder().setInlineString(p.key())).build();
  }

  @Test
  void readsPkcs1RsaSec1EcAndEncryptedPkcs8KeysAndSeveralCertificates() throws Exception {
    Pem rsa = make("RSA", null);       // BouncyCastle writes "RSA PRIVATE KEY" (PKCS#1)
    Pem ec = make("EC", null);         // "EC PRIVATE KEY" (SEC1)
    assertThat(rsa.key()).contains("BEGIN RSA PRIVATE KEY");
    assertThat(ec.key()).contains("BEGIN EC PRIVATE KEY");
    Pem enc = make("EC", "encrypted");
    assertThat(enc.key()).contains("BEGIN ENCRYPTED PRIVATE KEY");
    DownstreamTls tls = DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().addTlsCertificates(cert(rsa)).addTlsCertificates(cert(ec)))
        .build(), "t");
    assertThat(tls.protocols()).containsExactly("TLSv1.2", "TLSv1.3");
    DownstreamTls encrypted = DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().addTlsCertificates(cert(enc).toBuilder()
            .setPassword(DataSource.newBuilder().setInlineString("s3cret")))).build(), "t");
    assertThat(encrypted.sslContext().isServer()).isTrue();
    assertThatThrownBy(() -> DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().addTlsCertificates(cert(enc))).build(), "t"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("encrypted but no password");
  }

  @Test
  void rejectsBadSettingsWithTheirPath() throws Exception {
    Pem p = make("EC", "pkcs8");
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder().addTlsCertificates(cert(p));
    assertThatThrownBy(() -> DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(common.clone().setTlsParams(TlsParameters.newBuilder()
            .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3)
            .setTlsMaximumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2))).build(), "ctx"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ctx.common_tls_context.tls_params");
    assertThatThrownBy(() -> DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(common.clone().setTlsParams(TlsParameters.newBuilder()
            .addCipherSuites("NOT-A-CIPHER"))).build(), "ctx"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cipher_suites");
    assertThatThrownBy(() -> DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(common.clone()).setRequireClientCertificate(BoolValue.of(true)).build(), "ctx"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("ctx.require_client_certificate");
    assertThatThrownBy(() -> DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(common.clone().setValidationContext(CertificateValidationContext.newBuilder()
            .setTrustedCa(DataSource.newBuilder().setInlineString(p.cert()))
            .setAllowExpiredCertificate(true))).build(), "ctx"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("ctx.common_tls_context.validation_context.allow_expired_certificate");
    assertThatThrownBy(() -> DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder().addTlsCertificates(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setFilename("/nonexistent/cert.pem"))
            .setPrivateKey(DataSource.newBuilder().setInlineString(p.key())))).build(), "ctx"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("/nonexistent/cert.pem");
    // valid cipher suites in OpenSSL names, with an equivalence group, build fine
    DownstreamTls ok = DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(common.clone().setTlsParams(TlsParameters.newBuilder()
            .addCipherSuites("[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]")
            .addCipherSuites("ECDHE-ECDSA-AES256-GCM-SHA384"))).build(), "ctx");
    assertThat(ok.sslContext().cipherSuites()).isNotEmpty();
  }
}
