package io.trellis.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs a main class in a separate JVM with the test's own class path, so tests exercise the real entry point as a
 * real process (signals, exit codes, stdout/stderr) without needing the packaged distribution. Output is captured
 * line by line; {@link #awaitOutput} waits for a line instead of sleeping.
 */
public final class JvmProcess implements AutoCloseable {
  private final Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();

  private JvmProcess(Process process) {
    this.process = process;
    pump(process.getInputStream(), stdout, "stdout");
    pump(process.getErrorStream(), stderr, "stderr");
  }

  /** Starts {@code mainClass} with {@code args}; the JVM gets the same flags the launcher gives the sidecar. */
  public static JvmProcess start(String mainClass, List<String> args) throws IOException {
    return start(mainClass, args, null);
  }

  public static JvmProcess start(String mainClass, List<String> args, Path workDir) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("--sun-misc-unsafe-memory-access=allow");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-Dio.netty.leakDetection.level=paranoid");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    return new JvmProcess(pb.start());
  }

  private static void pump(java.io.InputStream in, List<String> sink, String name) {
    Thread.ofVirtual().name("jvmprocess-" + name).start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          sink.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
  }

  /** Waits until a stdout or stderr line matches, and returns it; fails with everything seen so far. */
  public String awaitOutput(Predicate<String> match, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seenOut = 0;
    int seenErr = 0;
    while (System.nanoTime() < deadline) {
      for (; seenOut < stdout.size(); seenOut++) {
        if (match.test(stdout.get(seenOut))) {
          return stdout.get(seenOut);
        }
      }
      for (; seenErr < stderr.size(); seenErr++) {
        if (match.test(stderr.get(seenErr))) {
          return stderr.get(seenErr);
        }
      }
      if (!process.isAlive() && seenOut == stdout.size() && seenErr == stderr.size()) {
        // drain what the pump threads may still deliver
        if (process.waitFor(50, TimeUnit.MILLISECONDS) && seenOut == stdout.size() && seenErr == stderr.size()) {
          break;
        }
      }
      Thread.onSpinWait();
      Thread.sleep(5); // polling the captured output, not waiting for time to pass
    }
    throw new AssertionError("no matching output within " + timeout + "; exit=" + (process.isAlive() ? "running"
        : process.exitValue()) + "\nstdout:\n" + String.join("\n", stdout) + "\nstderr:\n" + String.join("\n", stderr));
  }

  /** Waits for the process to exit and returns its exit code. */
  public int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("process did not exit within " + timeout + "\nstdout:\n" + String.join("\n", stdout)
          + "\nstderr:\n" + String.join("\n", stderr));
    }
    return process.exitValue();
  }

  public long pid() {
    return process.pid();
  }

  /** Sends SIGTERM (a normal shutdown request). */
  public void terminate() {
    process.destroy();
  }

  public String stdout() {
    return String.join("\n", stdout);
  }

  public String stderr() {
    return String.join("\n", stderr);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
