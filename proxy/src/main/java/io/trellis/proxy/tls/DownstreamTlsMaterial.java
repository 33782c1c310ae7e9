package io.trellis.proxy.tls;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Loads PEM certificates and private keys from Envoy {@code DataSource}s (filename, inline_string, inline_bytes,
 * environment_variable) for the downstream TLS context. Keys may be PKCS#8 ({@code PRIVATE KEY}, also encrypted with a
 * password), PKCS#1 RSA ({@code RSA PRIVATE KEY}) or SEC1 EC ({@code EC PRIVATE KEY}); the last two are re-wrapped as
 * PKCS#8 so the JDK key factories can read them. Runs at config time, never on an event loop. Loading a DataSource
 * and parsing certificates is shared with the upstream side ({@link TlsFiles}); what is only here is the key
 * conversion, which the JDK-engine downstream context needs.
 */
final class DownstreamTlsMaterial {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----", Pattern.DOTALL);
  // rsaEncryption 1.2.840.113549.1.1.1 and id-ecPublicKey 1.2.840.10045.2.1, DER-encoded OIDs.
  private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
      0x01, 0x01};
  private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  private DownstreamTlsMaterial() {}

  /** The bytes of {@code source}: the same loading as the upstream side ({@link TlsFiles#load}). */
  static byte[] read(DataSource source, String path) throws ConfigException {
    return TlsFiles.load(source, path);
  }

  static List<X509Certificate> certificates(DataSource source, String path) throws ConfigException {
    return TlsFiles.certificates(source, path);
  }

  static PrivateKey privateKey(DataSource source, String password, String path) throws ConfigException {
    String text = new String(read(source, path), StandardCharsets.US_ASCII);
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String type = m.group(1);
      if (!type.endsWith("PRIVATE KEY")) {
        continue;
      }
      byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
      try {
        byte[] pkcs8 = switch (type) {
          case "PRIVATE KEY" -> der;
          case "RSA PRIVATE KEY" -> wrap(seq(concat(RSA_OID, new byte[] {0x05, 0x00})), der);
          case "EC PRIVATE KEY" -> wrap(seq(concat(EC_OID, curveOid(der))), der);
          case "ENCRYPTED PRIVATE KEY" -> decrypt(der, password, path);
          default -> throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "unsupported PEM key type '" + type + "'");
        };
        return toKey(pkcs8, path);
      } catch (IOException | GeneralSecurityException e) {
        throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "cannot read private key: " + e.getMessage());
      }
    }
    throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "no PEM private key found");
  }

  private static byte[] decrypt(byte[] der, String password, String path)
      throws ConfigException, IOException, GeneralSecurityException {
    if (password == null || password.isEmpty()) {
      throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "the private key is encrypted but no password is configured");
    }
    EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
    var key = SecretKeyFactory.getInstance(info.getAlgName()).generateSecret(new PBEKeySpec(password.toCharArray()));
    return info.getKeySpec(key).getEncoded();
  }

  private static PrivateKey toKey(byte[] pkcs8, String path) throws ConfigException {
    for (String alg : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "private key is not RSA, EC or Ed25519 PKCS#8");
  }

  /**
   * The namedCurve OID inside a SEC1 ECPrivateKey's [0] parameters; when they are left out (some writers do), the
   * NIST curve that matches the private key's length (P-256, P-384, P-521).
   */
  private static byte[] curveOid(byte[] sec1) throws IOException {
    int[] pos = {0};
    expect(sec1, pos, 0x30);
    readLength(sec1, pos);
    int keyLength = -1;
    while (pos[0] < sec1.length) {
      int tag = sec1[pos[0]++] & 0xff;
      int len = readLength(sec1, pos);
      if (tag == 0xa0) {
        byte[] oid = new byte[len];
        System.arraycopy(sec1, pos[0], oid, 0, len);
        return oid;
      }
      if (tag == 0x04) {
        keyLength = len;
      }
      pos[0] += len;
    }
    return switch (keyLength) {
      case 32 -> new byte[] {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};
      case 48 -> new byte[] {0x06, 0x05, 0x2b, (byte) 0x81, 0x04, 0x00, 0x22};
      case 65, 66 -> new byte[] {0x06, 0x05, 0x2b, (byte) 0x81, 0x04, 0x00, 0x23};
      default -> throw new IOException("EC PRIVATE KEY has no named curve parameters");
    };
  }

  private static void expect(byte[] der, int[] pos, int tag) throws IOException {
    if ((der[pos[0]++] & 0xff) != tag) {
      throw new IOException("malformed DER");
    }
  }

  private static int readLength(byte[] der, int[] pos) throws IOException {
    int b = der[pos[0]++] & 0xff;
    if (b < 0x80) {
      return b;
    }
    int n = b & 0x7f;
    if (n > 3) {
      throw new IOException("DER length too long");
    }
    int len = 0;
    for (int i = 0; i < n; i++) {
      len = (len << 8) | (der[pos[0]++] & 0xff);
    }
    return len;
  }

  /** PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, OCTET STRING key }. */
  private static byte[] wrap(byte[] algorithm, byte[] key) {
    return seq(concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
  }

  private static byte[] seq(byte[] content) {
    return tlv(0x30, content);
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = content.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
