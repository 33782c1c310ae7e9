package io.trellis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.trellis.common.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UpstreamTlsContext parsing, DataSource loading and failure reasons, without sockets. */
class UpstreamTlsTest {
  static X509Bundle ca;
  static final String P = "static_resources.clusters[0].transport_socket.typed_config";

  @BeforeAll
  static void ca() throws Exception {
    ca = new CertificateBuilder().subject("CN=Unit CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
  }

  private static DataSource inline(String s) {
    return DataSource.newBuilder().setInlineString(s).build();
  }

  private static ConfigException error(UpstreamTlsContext ctx) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> UpstreamTls.create(ctx, P, "c"));
    assertThat(e).isNotNull();
    return e;
  }

  @Test
  void loadsTheSameCaFromFileInlineStringAndInlineBytes(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("ca.pem");
    Files.writeString(file, ca.getCertificatePEM());
    for (DataSource ds : new DataSource[] {DataSource.newBuilder().setFilename(file.toString()).build(),
        inline(ca.getCertificatePEM()),
        DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(ca.getCertificatePEM(), StandardCharsets.UTF_8))
            .build()}) {
      assertThat(TlsFiles.certificates(ds, "x")).singleElement()
          .satisfies(c -> assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=Unit CA"));
    }
  }

  @Test
  void garbageAndEmptySourcesAreConfigErrors() {
    assertThat(catchThrowableOfType(ConfigException.class, () -> TlsFiles.certificates(inline("nope"), "p.trusted_ca"))
        .diagnostics().get(0).path()).isEqualTo("p.trusted_ca");
    assertThat(catchThrowableOfType(ConfigException.class, () -> TlsFiles.load(DataSource.getDefaultInstance(), "p"))
        .getMessage()).contains("data source is empty");
    assertThat(catchThrowableOfType(ConfigException.class, () -> TlsFiles.privateKey(inline("x"), "p.private_key"))
        .getMessage()).contains("not a PEM private key");
  }

  @Test
  void unsupportedSettingsNameTheirPath() {
    var sds = error(UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("cert"))).build());
    assertThat(sds.diagnostics().get(0).path()).isEqualTo(P + ".common_tls_context.tls_certificate_sds_secret_configs");

    var tls10 = error(UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setTlsParams(TlsParameters.newBuilder().setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_0)))
        .build());
    assertThat(tls10.diagnostics().get(0).path())
        .isEqualTo(P + ".common_tls_context.tls_params.tls_minimum_protocol_version");
    assertThat(tls10.getMessage()).contains("TLSv1_2, TLSv1_3");

    var badRegex = error(UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(inline(ca.getCertificatePEM()))
            .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.DNS)
                .setMatcher(StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("(")))))).build());
    assertThat(badRegex.diagnostics().get(0).path()).isEqualTo(P + ".common_tls_context.validation_context"
        + ".match_typed_subject_alt_names[0].matcher.safe_regex.regex");

    var noCa = error(UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .setValidationContext(CertificateValidationContext.getDefaultInstance())).build());
    assertThat(noCa.diagnostics().get(0).path()).endsWith("validation_context.trusted_ca");

    var badKey = error(UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificates(TlsCertificate.newBuilder().setCertificateChain(inline(ca.getCertificatePEM()))
            .setPrivateKey(inline("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")))).build());
    assertThat(badKey.getMessage()).contains("cannot build the TLS context");
  }

  @Test
  void handlersCarrySniAndTheConfiguredVersions() throws Exception {
    UpstreamTls tls = UpstreamTls.create(UpstreamTlsContext.newBuilder().setSni("svc.example")
        .setCommonTlsContext(CommonTlsContext.newBuilder()
            .setTlsParams(TlsParameters.newBuilder().setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3))
            .setValidationContext(CertificateValidationContext.newBuilder()
                .setTrustedCa(inline(ca.getCertificatePEM())))).build(), P, "c");
    assertThat(tls.verifying()).isTrue();
    SslHandler h = tls.newHandler(UnpooledByteBufAllocator.DEFAULT, 443, UpstreamTls.Alpn.H2, 1000);
    try {
      assertThat(h.engine().getPeerHost()).isEqualTo("svc.example");
      // OpenSSL also lists the SSLv2Hello pseudo-protocol (a hello format, not a version)
      assertThat(java.util.Arrays.stream(h.engine().getEnabledProtocols()).filter(p -> !p.equals("SSLv2Hello")))
          .containsExactly("TLSv1.3");
      assertThat(h.getHandshakeTimeoutMillis()).isEqualTo(1000);
    } finally {
      io.netty.util.ReferenceCountUtil.release(h.engine());
    }
  }

  @Test
  void failureReasonPrefersTheVerificationMessage() {
    var verify = new SSLHandshakeException("General SSLEngine problem");
    verify.initCause(new CertificateException("certificate verify failed: expired"));
    assertThat(UpstreamTls.failureReason(verify)).isEqualTo("certificate verify failed: expired");
    assertThat(UpstreamTls.failureReason(new SSLHandshakeException("handshake timed out after 5ms")))
        .isEqualTo("handshake timed out after 5ms");
  }
}
