package io.trellis.testkit.conformance;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A tiny HPACK (RFC 7541) writer for hostile header blocks: literal fields without Huffman coding, so any byte
 * (uppercase, CR, LF, NUL, spaces) can be put in a name or value, plus indexed fields, incremental indexing and
 * dynamic table size updates. Decoding responses uses Netty's decoder (see {@link RawH2Connection}).
 */
public final class Hpack {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  public static Hpack block() {
    return new Hpack();
  }

  /** A request's four pseudo-headers: {@code :method}, {@code :scheme http}, {@code :path}, {@code :authority}. */
  public static Hpack request(String method, String path, String authority) {
    return new Hpack().literal(":method", method).literal(":scheme", "http").literal(":path", path)
        .literal(":authority", authority);
  }

  /** Literal header field without indexing, new name (RFC 7541 6.2.2), raw (non-Huffman) strings. */
  public Hpack literal(String name, String value) {
    out.write(0x00);
    string(name);
    string(value);
    return this;
  }

  /** Literal header field with incremental indexing, new name (RFC 7541 6.2.1): adds it to the dynamic table. */
  public Hpack indexedLiteral(String name, String value) {
    out.write(0x40);
    string(name);
    string(value);
    return this;
  }

  /** Indexed header field (RFC 7541 6.1). */
  public Hpack indexed(int index) {
    integer(index, 7, 0x80);
    return this;
  }

  /** Dynamic table size update (RFC 7541 6.3). */
  public Hpack tableSizeUpdate(long size) {
    integer(size, 5, 0x20);
    return this;
  }

  /** Raw bytes appended as they are (for invalid encodings). */
  public Hpack raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  public byte[] bytes() {
    return out.toByteArray();
  }

  private void string(String s) {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    integer(b.length, 7, 0x00);
    out.writeBytes(b);
  }

  private void integer(long value, int prefixBits, int firstByteFlags) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      out.write(firstByteFlags | (int) value);
      return;
    }
    out.write(firstByteFlags | max);
    long v = value - max;
    while (v >= 128) {
      out.write((int) (v % 128 + 128));
      v /= 128;
    }
    out.write((int) v);
  }
}
