package io.trellis.proxy.listener;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Peeks at the first bytes of a plaintext connection (http_inspector): the HTTP/2 connection preface gives "h2c", an
 * HTTP/1.x request line gives "http/1.1" or "http/1.0", anything else gives "" (not HTTP). Reads at most the first line.
 */
final class HttpPreface {
  static final String NEED_MORE = null;
  static final String NOT_HTTP = "";
  private static final byte[] H2 = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  /** Envoy's http_inspector looks at no more than this many bytes. */
  static final int MAX_INSPECT = 8192;

  private HttpPreface() {}

  /** The protocol, "" when not HTTP, or null ({@link #NEED_MORE}) when undecided. */
  static String detect(ByteBuf in) {
    int start = in.readerIndex();
    int n = in.readableBytes();
    boolean h2Prefix = true;
    for (int i = 0; i < Math.min(n, H2.length); i++) {
      if (in.getByte(start + i) != H2[i]) {
        h2Prefix = false;
        break;
      }
    }
    if (h2Prefix) {
      // A prefix of the preface may still become it ("PRI * HTTP/2.0\r\n" alone is not HTTP/1): wait for more.
      return n >= H2.length ? "h2c" : NEED_MORE;
    }
    // request-line = method SP request-target SP HTTP-version CRLF
    int limit = Math.min(n, MAX_INSPECT);
    int sp1 = -1;
    int sp2 = -1;
    for (int i = 0; i < limit; i++) {
      byte c = in.getByte(start + i);
      if (c == '\r' || c == '\n') {
        if (sp1 <= 0 || sp2 <= sp1 + 1) {
          return NOT_HTTP;
        }
        String version = in.toString(start + sp2 + 1, i - sp2 - 1, StandardCharsets.US_ASCII);
        return switch (version) {
          case "HTTP/1.1" -> "http/1.1";
          case "HTTP/1.0" -> "http/1.0";
          default -> NOT_HTTP;
        };
      }
      if (c == ' ') {
        if (sp1 < 0) {
          sp1 = i;
        } else if (sp2 < 0) {
          sp2 = i;
        } else {
          return NOT_HTTP;
        }
      } else if (sp1 < 0 && !isTokenChar(c)) {
        return NOT_HTTP;
      } else if (c < 0x21 || c == 0x7f) {
        return NOT_HTTP;
      } else if (sp2 >= 0 && i - sp2 > 8) {
        return NOT_HTTP;
      }
    }
    return n >= MAX_INSPECT ? NOT_HTTP : NEED_MORE;
  }

  private static boolean isTokenChar(byte c) {
    return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
  }
}
