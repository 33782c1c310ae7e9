package io.trellis.testkit.tcp;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Per connection: sends {@code sendBytes} pseudo-random bytes and a FIN right away (source), then reads until the
 * client's FIN (sink) and records what it sent and received. Tests the server-first direction of half-close: the
 * client gets the whole payload and EOF, and can still send afterwards.
 */
public final class SinkSourceServer extends BlockingServer {
  /** What one connection sent and received. */
  public record Result(long sentBytes, String sentSha256, long receivedBytes, String receivedSha256) {}

  private final int sendBytes;
  private final BlockingQueue<Result> results = new LinkedBlockingQueue<>();

  public SinkSourceServer(int sendBytes) {
    this.sendBytes = sendBytes;
  }

  /** The payload every connection is sent. */
  public byte[] payload() {
    return Digests.random(sendBytes, sendBytes);
  }

  @Override
  protected void serve(Socket socket) throws IOException {
    byte[] out = payload();
    socket.getOutputStream().write(out);
    socket.getOutputStream().flush();
    socket.shutdownOutput();
    MessageDigest d = Digests.sha256();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      d.update(buf, 0, n);
      total += n;
    }
    results.add(new Result(out.length, Digests.sha256Hex(out), total, Digests.hex(d)));
  }

  /** The next finished connection, or null after {@code timeoutMillis}. */
  public Result poll(long timeoutMillis) throws InterruptedException {
    return results.poll(timeoutMillis, TimeUnit.MILLISECONDS);
  }
}
