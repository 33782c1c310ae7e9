package io.trellis.proxy.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * FUZZ-H1: arbitrary bytes to the proxy's HTTP/1 server side over a real socket (the whole pipeline: protocol
 * detection, Netty's HTTP/1 decoder, the connection manager, the router and the upstream). For every input: no
 * exception reaches the end of a Netty pipeline, the proxy answers with a valid status line or closes, and (checked by
 * {@code LeakDetectionExtension} for the class) no buffer leaks.
 *
 * <p>Under plain {@code mvn test} Jazzer runs the committed corpus ({@code Http1FuzzTestInputs/h1}) in regression mode
 * and this prints {@code fuzz-regress: N corpus inputs, 0 failures}. {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class Http1FuzzTest {
  static {
    // Regression runs need no coverage or comparison hooks; instrumenting every class the proxy loads would
    // dominate the run time. JAZZER_FUZZ=1 runs keep Jazzer's defaults.
    if (System.getenv("JAZZER_FUZZ") == null) {
      System.setProperty("jazzer.hooks", "false");
      System.setProperty("jazzer.instrumentation_includes", "io.trellis.proxy.http.**");
    }
  }

  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 [1-5][0-9][0-9] .*");
  private static final AtomicInteger inputs = new AtomicInteger();
  private static final AtomicInteger failures = new AtomicInteger();
  private static final List<String> pipelineErrors = new CopyOnWriteArrayList<>();
  private static final Handler TAIL_WATCH = new Handler() {
    @Override
    public void publish(LogRecord r) {
      String m = String.valueOf(r.getMessage());
      if (r.getLevel().intValue() >= Level.WARNING.intValue() && m.contains("reached at the tail of the pipeline")) {
        pipelineErrors.add(m + (r.getThrown() == null ? "" : ": " + r.getThrown()));
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private static ProxyHarness harness;

  @BeforeAll
  static void start() throws IOException {
    harness = ProxyHarness.start();
    Logger.getLogger("io.netty.channel.DefaultChannelPipeline").addHandler(TAIL_WATCH);
  }

  @AfterAll
  static void stop() {
    Logger.getLogger("io.netty.channel.DefaultChannelPipeline").removeHandler(TAIL_WATCH);
    System.out.println("fuzz-regress: " + inputs.get() + " corpus inputs, " + failures.get() + " failures");
    if (harness != null) {
      harness.close();
    }
  }

  @FuzzTest(maxDuration = "60s")
  void h1(byte[] data) throws IOException {
    inputs.incrementAndGet();
    int errorsBefore = pipelineErrors.size();
    try {
      String firstLine = exchange(data);
      boolean h2 = startsWith(data, PREFACE);
      boolean h2Reply = h2 && firstLine != null && firstLine.length() >= 9 && firstLine.charAt(3) == 0x04;
      assertThat(firstLine == null || STATUS_LINE.matcher(firstLine).matches() || h2Reply)
          .as("response to %d input bytes starts with a valid status line (or, after the HTTP/2 preface, a SETTINGS "
              + "frame) or the connection closes, got %s",
              data.length, firstLine)
          .isTrue();
      assertThat(pipelineErrors.subList(errorsBefore, pipelineErrors.size()))
          .as("exceptions that reached the end of a Netty pipeline").isEmpty();
    } catch (AssertionError | IOException e) {
      failures.incrementAndGet();
      throw e;
    }
  }

  private static boolean startsWith(byte[] data, byte[] prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (data[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Sends the input, then reads the first line of the reply (at least its first 9 bytes, a frame header when the
   * proxy answers in HTTP/2); null when the proxy closed or said nothing.
   */
  private static String exchange(byte[] data) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(harness.address(), 2000);
      s.setSoTimeout(500);
      try {
        s.getOutputStream().write(data, 0, Math.min(data.length, 256 * 1024));
        s.getOutputStream().flush();
      } catch (SocketException e) {
        return null;
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      try {
        int c;
        while ((c = in.read()) >= 0 && (c != '\n' || line.size() < 9) && line.size() < 8192) {
          line.write(c);
        }
      } catch (SocketTimeoutException | SocketException e) {
        // waiting for more input, or reset: judged on what arrived
      }
      if (line.size() == 0) {
        return null;
      }
      String l = line.toString(StandardCharsets.ISO_8859_1);
      return l.endsWith("\r") ? l.substring(0, l.length() - 1) : l;
    }
  }
}
