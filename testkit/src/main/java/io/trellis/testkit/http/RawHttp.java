package io.trellis.testkit.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Plain-socket HTTP for malformed-input tests: sends exact bytes, reads what comes back until close or timeout. */
public final class RawHttp {
  private RawHttp() {}

  /** What came back, and whether the server closed the connection (rather than the read timing out). */
  public record Result(String text, boolean closed) {
    /** The status code of the first response, or 0 when none. */
    public int status() {
      if (!text.startsWith("HTTP/1.")) {
        return 0;
      }
      return Integer.parseInt(text.substring(9, 12));
    }

    /** How many responses (status lines) came back. */
    public int responses() {
      int n = 0;
      int i = 0;
      while ((i = text.indexOf("HTTP/1.1 ", i)) >= 0) {
        n++;
        i += 9;
      }
      return n;
    }
  }

  public static Result exchange(int port, String request, int readTimeoutMillis) {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), readTimeoutMillis);
  }

  public static Result exchange(int port, byte[] request, int readTimeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(readTimeoutMillis);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      boolean closed = false;
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
        }
        closed = true;
      } catch (SocketTimeoutException e) {
        closed = false;
      } catch (IOException e) {
        closed = true;
      }
      return new Result(out.toString(StandardCharsets.ISO_8859_1), closed);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
