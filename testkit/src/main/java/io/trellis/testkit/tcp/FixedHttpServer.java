package io.trellis.testkit.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Answers every HTTP/1.1 request head with {@code 200 OK} and a fixed body, then closes: enough for curl or openssl to
 * see which upstream a proxy picked. Requests with a body are not supported.
 */
public final class FixedHttpServer extends BlockingServer {
  private final String body;

  public FixedHttpServer(String body) {
    this.body = body;
  }

  @Override
  protected void serve(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    int last4 = 0;
    int n = 0;
    int c;
    while ((c = in.read()) >= 0) {
      n++;
      last4 = (last4 << 8) | c;
      if (last4 == 0x0d0a0d0a) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String resp = "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " + b.length
            + "\r\nconnection: close\r\n\r\n";
        socket.getOutputStream().write(resp.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(b);
        socket.getOutputStream().flush();
        return;
      }
      if (n > 64 * 1024) {
        return;
      }
    }
  }
}
