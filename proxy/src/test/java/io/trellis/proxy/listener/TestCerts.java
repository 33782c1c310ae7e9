package io.trellis.proxy.listener;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates made in the test with BouncyCastle: a CA and leaf certificates it signs, written as PEM files. */
public final class TestCerts {
  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  /** A key pair with its certificate, and the PEM files they were written to. */
  public record Issued(KeyPair keys, X509Certificate cert, Path certPem, Path keyPem) {}

  private final Path dir;
  private final Issued ca;

  public TestCerts(Path dir) {
    this.dir = dir;
    this.ca = issue("Trellis Test CA", null, true, false, "ca");
  }

  public Issued ca() {
    return ca;
  }

  /** A server certificate for {@code dnsNames}, signed by the CA. */
  public Issued server(String... dnsNames) {
    return issue(dnsNames[0], null, false, true, "server-" + dnsNames[0].replace('*', '_'), dnsNames);
  }

  /** A client certificate signed by the CA. */
  public Issued client(String cn) {
    return issue(cn, null, false, false, "client-" + cn);
  }

  /** A self-signed client certificate that the CA did not sign. */
  public Issued untrustedClient(String cn) {
    return issue(cn, null, true, false, "rogue-" + cn);
  }

  private Issued issue(String cn, Object unused, boolean selfSigned, boolean server, String file, String... dns) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair kp = g.generateKeyPair();
      X500Name subject = new X500Name("CN=" + cn);
      X500Name issuer = selfSigned ? subject : new X500Name(ca.cert().getSubjectX500Principal().getName());
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
          BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
          Date.from(now.plus(Duration.ofDays(2))), subject, kp.getPublic());
      boolean isCa = selfSigned && file.equals("ca");
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
      if (!isCa) {
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
            server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
      }
      if (dns.length > 0) {
        GeneralName[] names = new GeneralName[dns.length];
        for (int i = 0; i < dns.length; i++) {
          names[i] = new GeneralName(GeneralName.dNSName, dns[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      var signer = new JcaContentSignerBuilder("SHA256withECDSA")
          .build(selfSigned ? kp.getPrivate() : ca.keys().getPrivate());
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer));
      Path certPem = dir.resolve(file + ".crt");
      Path keyPem = dir.resolve(file + ".key");
      Files.writeString(certPem, pem(cert));
      Files.writeString(keyPem, pem(new JcaPKCS8Generator(kp.getPrivate(), null).generate()));
      return new Issued(kp, cert, certPem, keyPem);
    } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(Object o) {
    try {
      StringWriter w = new StringWriter();
      try (JcaPEMWriter p = new JcaPEMWriter(w)) {
        p.writeObject(o);
      }
      return w.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A JDK client SSLContext trusting the CA, presenting {@code clientCert} when non-null. */
  public SSLContext clientContext(Issued clientCert) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.cert());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (clientCert != null) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", clientCert.keys().getPrivate(), "x".toCharArray(),
            new X509Certificate[] {clientCert.cert()});
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "x".toCharArray());
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
