package io.trellis.testkit.tcp;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/** SHA-256 helpers and deterministic random payloads. */
public final class Digests {
  private Digests() {}

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String hex(MessageDigest d) {
    return HexFormat.of().formatHex(d.digest());
  }

  public static String sha256Hex(byte[] data) {
    MessageDigest d = sha256();
    d.update(data);
    return hex(d);
  }

  /** {@code size} pseudo-random bytes from {@code seed}. */
  public static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
