package io.trellis.testkit.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * Writes back every byte it reads; when the client half-closes, it writes what is left and half-closes too (FIN after
 * the last byte), so a client can check that a FIN travels through a proxy without cutting data.
 */
public final class EchoServer extends BlockingServer {
  @Override
  protected void serve(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    OutputStream out = socket.getOutputStream();
    byte[] buf = new byte[64 * 1024];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
    out.flush();
    socket.shutdownOutput();
  }
}
