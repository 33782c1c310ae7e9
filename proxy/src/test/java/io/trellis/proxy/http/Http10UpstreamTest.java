package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.tcp.BlockingServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/1.0 upstream that ends its body by closing (Python's http.server, old appliances): the HTTP/1.1 client must
 * still get an HTTP/1.1 status line and a properly framed body, as Envoy gives it.
 */
class Http10UpstreamTest {
  /** Answers with an HTTP/1.0 status line, no Content-Length, and closes to end the body. */
  static final class Http10Server extends BlockingServer {
    Http10Server() throws IOException {
      super();
    }

    @Override
    protected void serve(Socket socket) throws IOException {
      InputStream in = socket.getInputStream();
      int last4 = 0;
      int c;
      while ((c = in.read()) >= 0) {
        last4 = (last4 << 8) | c;
        if (last4 == 0x0d0a0d0a) {
          socket.getOutputStream().write(
              "HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\nold server body".getBytes(StandardCharsets.US_ASCII));
          socket.getOutputStream().flush();
          return;
        }
      }
    }
  }

  @Test
  void responseToHttp11ClientIsHttp11AndFramed() throws Exception {
    try (Http10Server upstream = new Http10Server();
        TestProxy proxy = TestProxy.start(Configs.bootstrap("", Configs.ROUTES,
            Map.of("a", upstream.port(), "b", upstream.port(), "dead", Configs.deadPort())));
        Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /a/x HTTP/1.1\r\nhost: svc.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String response = readUntilChunkedEnd(s.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 200 ");
      assertThat(response.toLowerCase()).contains("transfer-encoding: chunked");
      assertThat(response).contains("old server body").endsWith("0\r\n\r\n");
    }
  }

  private static String readUntilChunkedEnd(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      out.write(c);
      String s = out.toString(StandardCharsets.ISO_8859_1);
      if (s.endsWith("\r\n0\r\n\r\n") || out.size() > 1 << 20) {
        break;
      }
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
