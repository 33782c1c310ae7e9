package io.trellis.proxy.conformance;

import static io.trellis.testkit.conformance.RawH2Connection.ACK;
import static io.trellis.testkit.conformance.RawH2Connection.COMPRESSION_ERROR;
import static io.trellis.testkit.conformance.RawH2Connection.CONTINUATION;
import static io.trellis.testkit.conformance.RawH2Connection.DATA;
import static io.trellis.testkit.conformance.RawH2Connection.END_HEADERS;
import static io.trellis.testkit.conformance.RawH2Connection.END_STREAM;
import static io.trellis.testkit.conformance.RawH2Connection.FLOW_CONTROL_ERROR;
import static io.trellis.testkit.conformance.RawH2Connection.FRAME_SIZE_ERROR;
import static io.trellis.testkit.conformance.RawH2Connection.GOAWAY;
import static io.trellis.testkit.conformance.RawH2Connection.HEADERS;
import static io.trellis.testkit.conformance.RawH2Connection.PADDED;
import static io.trellis.testkit.conformance.RawH2Connection.PING;
import static io.trellis.testkit.conformance.RawH2Connection.PRIORITY;
import static io.trellis.testkit.conformance.RawH2Connection.PRIORITY_FLAG;
import static io.trellis.testkit.conformance.RawH2Connection.PROTOCOL_ERROR;
import static io.trellis.testkit.conformance.RawH2Connection.PUSH_PROMISE;
import static io.trellis.testkit.conformance.RawH2Connection.REFUSED_STREAM;
import static io.trellis.testkit.conformance.RawH2Connection.RST_STREAM;
import static io.trellis.testkit.conformance.RawH2Connection.SETTINGS;
import static io.trellis.testkit.conformance.RawH2Connection.STREAM_CLOSED;
import static io.trellis.testkit.conformance.RawH2Connection.WINDOW_UPDATE;
import static io.trellis.testkit.conformance.RawH2Connection.int32;
import static io.trellis.testkit.conformance.RawH2Connection.settings;

import io.trellis.testkit.conformance.Hpack;
import io.trellis.testkit.conformance.RawH2Connection;
import io.trellis.testkit.conformance.RawH2Connection.Frame;
import io.trellis.testkit.conformance.RawH2Connection.Kind;
import io.trellis.testkit.conformance.RawH2Connection.Outcome;
import io.trellis.testkit.conformance.Verdicts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * H2-CONF: a subset of h2spec's server case list (section numbers and expectations of the generic, http2 and hpack
 * groups), re-implemented on raw frames. As in h2spec, a connection error passes when the proxy sends GOAWAY with the
 * expected code or closes the connection; a stream error when it sends RST_STREAM or GOAWAY with the code, or closes.
 * The summary also counts how many failures-to-accept carried the exact error code.
 *
 * <p>Prints {@code h2conf: N/M pass (E/X with the exact error code), strict k/1}.
 */
class H2ConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(2);
  private static ProxyHarness harness;
  private static final AtomicInteger exactTotal = new AtomicInteger();
  private static final AtomicInteger exactOk = new AtomicInteger();

  private static final String CANCEL = "the stream is reset, but not with the RFC's error code (the detail shows "
      + "the code sent: CANCEL or PROTOCOL_ERROR depending on the path through the multiplexed child channel)";

  /** Cases that make the proxy leak a buffer (which fails the whole class): not sent unless asked for. */
  static final Map<String, String> QUARANTINED = Map.of();

  /** Failing cases routed to the owner of io.trellis.proxy.http (see docs/conformance.md). */
  static final Map<String, String> KNOWN_BUGS = Map.ofEntries(
      Map.entry("5.1/6 half-closed (remote): HEADERS", CANCEL),
      Map.entry("5.1.1/2 stream id smaller than a previous one", "treated as a stream error (Netty: closed stream) "
          + "instead of a connection error PROTOCOL_ERROR"));

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

  interface Body {
    String run(RawH2Connection c, Verdicts v, String id) throws Exception;
  }

  private static RawH2Connection open() throws IOException {
    return RawH2Connection.connect(harness.address()).handshake();
  }

  private static String path(String id) {
    return "/h2conf/" + id.replaceAll("[^A-Za-z0-9.]+", "-");
  }

  private static Hpack get(String id) {
    return Hpack.request("GET", path(id), "localhost");
  }

  private static Hpack post(String id) {
    return Hpack.request("POST", path(id), "localhost");
  }

  private static void connError(RawH2Connection c, Verdicts v, String id, int code) {
    Outcome o = c.awaitGoawayOrClose(WAIT);
    exactTotal.incrementAndGet();
    if (o.exactCode(code)) {
      exactOk.incrementAndGet();
    }
    v.add(id, "MUST", o.connectionError(code), "expected connection error " + RawH2Connection.errorName(code)
        + ", got " + o + (o.connectionError(code) && !o.exactCode(code) ? " (accepted: closed, code not sent)" : ""));
  }

  private static void streamError(RawH2Connection c, Verdicts v, String id, int stream, int... codes) {
    Outcome o = c.awaitStream(stream, WAIT);
    boolean ok = false;
    boolean exact = false;
    for (int code : codes) {
      ok |= o.streamError(code);
      exact |= o.exactCode(code);
    }
    exactTotal.incrementAndGet();
    if (exact) {
      exactOk.incrementAndGet();
    }
    StringBuilder names = new StringBuilder();
    for (int code : codes) {
      names.append(names.isEmpty() ? "" : "|").append(RawH2Connection.errorName(code));
    }
    v.add(id, "MUST", ok, "expected stream error " + names + " on stream " + stream + ", got " + o);
  }

  /** The frame was to be ignored: the connection still answers a PING and a request. */
  private static void stillWorks(RawH2Connection c, Verdicts v, String id, int nextStream) throws IOException {
    boolean ping = c.ping(WAIT);
    c.headers(nextStream, get(id), true);
    Outcome o = c.awaitStream(nextStream, WAIT);
    v.add(id, "MUST", ping && o.kind() == Kind.RESPONSE && o.status() == 200, "expected the frame to be ignored: "
        + "ping=" + ping + ", next request " + o);
  }

  private static void ok(RawH2Connection c, Verdicts v, String id, int stream) {
    Outcome o = c.awaitStream(stream, WAIT);
    v.add(id, "MUST", o.kind() == Kind.RESPONSE && o.status() == 200, "expected 200, got " + o);
  }

  private static Cases.Named c(String id, Body body) {
    return new Cases.Named(id, "MUST", v -> {
      try (RawH2Connection conn = open()) {
        body.run(conn, v, id);
      }
    });
  }

  private static byte[] headersPayloadWithPriority(int dependency, Hpack block) {
    byte[] p = RawH2Connection.priority(false, dependency, 16);
    byte[] h = block.bytes();
    byte[] r = Arrays.copyOf(p, p.length + h.length);
    System.arraycopy(h, 0, r, p.length, h.length);
    return r;
  }

  private static List<Cases.Named> cases() {
    List<Cases.Named> l = new ArrayList<>();
    // 3.5 HTTP/2 connection preface
    l.add(c("3.5/1 valid preface answered with SETTINGS", (c, v, id) -> {
      v.add(id, "MUST", !c.serverSettings().isEmpty(), "server SETTINGS " + c.serverSettings());
      return "";
    }));
    l.add(new Cases.Named("3.5/2 invalid preface", "MUST", v -> {
      try (RawH2Connection c = RawH2Connection.connect(harness.address())) {
        c.writeRaw("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        c.write(SETTINGS, 0, 0, new byte[0]);
        Outcome o = c.awaitGoawayOrClose(WAIT);
        v.add("3.5/2 invalid preface", "MUST", o.kind() != Kind.TIMEOUT || o.closed(), "expected GOAWAY or close, got "
            + o);
      }
    }));
    // 4.1 frame format
    l.add(c("4.1/1 unknown frame type ignored", (c, v, id) -> {
      c.write(0xee, 0, 0, new byte[8]);
      stillWorks(c, v, id, 1);
      return "";
    }));
    l.add(c("4.1/2 unknown flags ignored", (c, v, id) -> {
      c.write(PING, 0x16, 0, new byte[8]);
      stillWorks(c, v, id, 1);
      return "";
    }));
    l.add(c("4.1/3 reserved bit ignored", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 0x80000001, get(id).bytes());
      ok(c, v, id, 1);
      return "";
    }));
    // 4.2 frame size
    l.add(c("4.2/1 DATA of 2^14 octets accepted", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.data(1, new byte[16384], true);
      ok(c, v, id, 1);
      return "";
    }));
    l.add(c("4.2/2 DATA above SETTINGS_MAX_FRAME_SIZE", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.data(1, new byte[16385], true);
      streamError(c, v, id, 1, FRAME_SIZE_ERROR);
      return "";
    }));
    l.add(c("4.2/3 HEADERS above SETTINGS_MAX_FRAME_SIZE", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, get(id).literal("x-big", "b".repeat(16400)).bytes());
      connError(c, v, id, FRAME_SIZE_ERROR);
      return "";
    }));
    // 4.3 header compression and decompression
    l.add(c("4.3/1 invalid header block fragment", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, Hpack.block().raw(0x80).bytes());
      connError(c, v, id, COMPRESSION_ERROR);
      return "";
    }));
    l.add(c("4.3/2 PRIORITY between HEADERS and CONTINUATION", (c, v, id) -> {
      c.write(HEADERS, END_STREAM, 1, get(id).bytes());
      c.write(PRIORITY, 0, 1, RawH2Connection.priority(false, 0, 16));
      c.write(CONTINUATION, END_HEADERS, 1, Hpack.block().literal("x-a", "b").bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("4.3/3 HEADERS to another stream during a header block", (c, v, id) -> {
      c.write(HEADERS, END_STREAM, 1, get(id).bytes());
      c.write(HEADERS, END_STREAM | END_HEADERS, 3, get(id).bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // 5.1 stream states
    l.add(c("5.1/1 idle: DATA", (c, v, id) -> {
      c.data(1, "x".getBytes(StandardCharsets.US_ASCII), true);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("5.1/2 idle: RST_STREAM", (c, v, id) -> {
      c.write(RST_STREAM, 0, 1, int32(RawH2Connection.CANCEL));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("5.1/3 idle: WINDOW_UPDATE", (c, v, id) -> {
      c.write(WINDOW_UPDATE, 0, 1, int32(100));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("5.1/4 idle: CONTINUATION", (c, v, id) -> {
      c.write(CONTINUATION, END_HEADERS, 1, get(id).bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("5.1/5 half-closed (remote): DATA", (c, v, id) -> {
      c.headers(1, get(id), true);
      c.data(1, "x".getBytes(StandardCharsets.US_ASCII), true);
      streamError(c, v, id, 1, STREAM_CLOSED);
      return "";
    }));
    l.add(c("5.1/6 half-closed (remote): HEADERS", (c, v, id) -> {
      c.headers(1, get(id), true);
      c.headers(1, get(id), true);
      streamError(c, v, id, 1, STREAM_CLOSED);
      return "";
    }));
    l.add(c("5.1/7 half-closed (remote): CONTINUATION", (c, v, id) -> {
      c.headers(1, get(id), true);
      c.write(CONTINUATION, END_HEADERS, 1, Hpack.block().literal("x-a", "b").bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("5.1/8 closed: DATA after RST_STREAM", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.write(RST_STREAM, 0, 1, int32(RawH2Connection.CANCEL));
      c.data(1, "x".getBytes(StandardCharsets.US_ASCII), true);
      streamError(c, v, id, 1, STREAM_CLOSED);
      return "";
    }));
    l.add(c("5.1/9 closed: HEADERS after RST_STREAM", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.write(RST_STREAM, 0, 1, int32(RawH2Connection.CANCEL));
      c.headers(1, get(id), true);
      streamError(c, v, id, 1, STREAM_CLOSED);
      return "";
    }));
    l.add(c("5.1/10 closed: CONTINUATION after the stream ended", (c, v, id) -> {
      c.headers(1, get(id), true);
      c.awaitStream(1, WAIT);
      c.write(CONTINUATION, END_HEADERS, 1, Hpack.block().literal("x-a", "b").bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // 5.1.1 stream identifiers
    l.add(c("5.1.1/1 even-numbered stream id", (c, v, id) -> {
      c.headers(2, get(id), true);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("5.1.1/2 stream id smaller than a previous one", (c, v, id) -> {
      c.headers(5, get(id), true);
      c.headers(3, get(id), true);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // 5.1.2 stream concurrency
    l.add(c("5.1.2/1 more than SETTINGS_MAX_CONCURRENT_STREAMS", (c, v, id) -> {
      long max = c.serverSettings().getOrDefault(0x3, 0L);
      if (max <= 0 || max > 1000) {
        v.add(id, "MUST", false, "server advertises SETTINGS_MAX_CONCURRENT_STREAMS=" + max);
        return "";
      }
      for (int i = 0; i <= max; i++) {
        c.headers(2 * i + 1, post(id), false);
      }
      streamError(c, v, id, (int) (2 * max + 1), PROTOCOL_ERROR, REFUSED_STREAM);
      return "";
    }));
    // 5.3.1 stream dependencies
    l.add(c("5.3.1/1 HEADERS depending on itself", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM | PRIORITY_FLAG, 1, headersPayloadWithPriority(1, get(id)));
      streamError(c, v, id, 1, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("5.3.1/2 PRIORITY depending on itself", (c, v, id) -> {
      c.write(PRIORITY, 0, 1, RawH2Connection.priority(false, 1, 16));
      streamError(c, v, id, 1, PROTOCOL_ERROR);
      return "";
    }));
    // 5.4.1 connection error handling (strict: a GOAWAY frame, not only a close)
    l.add(new Cases.Named("5.4.1/2 invalid PING answered with GOAWAY (strict)", "STRICT", v -> {
      try (RawH2Connection c = open()) {
        c.write(PING, 0, 0, new byte[6]);
        Outcome o = c.awaitGoawayOrClose(WAIT);
        v.add("5.4.1/2 invalid PING answered with GOAWAY (strict)", "STRICT", o.exactCode(FRAME_SIZE_ERROR),
            "expected GOAWAY(FRAME_SIZE_ERROR), got " + o);
      }
    }));
    // 5.5 extending HTTP/2
    l.add(c("5.5/2 unknown extension frame inside a header block", (c, v, id) -> {
      c.write(HEADERS, END_STREAM, 1, get(id).bytes());
      c.write(0xee, 0, 1, new byte[4]);
      c.write(CONTINUATION, END_HEADERS, 1, Hpack.block().literal("x-a", "b").bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // 6.1 DATA
    l.add(c("6.1/1 DATA on stream 0", (c, v, id) -> {
      c.data(0, "x".getBytes(StandardCharsets.US_ASCII), true);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.1/3 DATA with invalid pad length", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.write(DATA, PADDED | END_STREAM, 1, new byte[] {6, 'a', 'b', 'c', 'd', 'e'});
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // 6.2 HEADERS
    l.add(c("6.2/2 HEADERS followed by DATA instead of CONTINUATION", (c, v, id) -> {
      c.write(HEADERS, 0, 1, post(id).bytes());
      c.data(1, "x".getBytes(StandardCharsets.US_ASCII), true);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.2/3 HEADERS on stream 0", (c, v, id) -> {
      c.headers(0, get(id), true);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.2/4 HEADERS with invalid pad length", (c, v, id) -> {
      byte[] block = get(id).bytes();
      byte[] payload = new byte[1 + block.length];
      payload[0] = (byte) (block.length + 10);
      System.arraycopy(block, 0, payload, 1, block.length);
      c.write(HEADERS, PADDED | END_HEADERS | END_STREAM, 1, payload);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // 6.3 PRIORITY
    l.add(c("6.3/1 PRIORITY on stream 0", (c, v, id) -> {
      c.write(PRIORITY, 0, 0, RawH2Connection.priority(false, 1, 16));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.3/2 PRIORITY with length 4", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.write(PRIORITY, 0, 1, new byte[4]);
      streamError(c, v, id, 1, FRAME_SIZE_ERROR);
      return "";
    }));
    // 6.4 RST_STREAM
    l.add(c("6.4/1 RST_STREAM on stream 0", (c, v, id) -> {
      c.write(RST_STREAM, 0, 0, int32(RawH2Connection.CANCEL));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.4/3 RST_STREAM with length 3", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.write(RST_STREAM, 0, 1, new byte[3]);
      connError(c, v, id, FRAME_SIZE_ERROR);
      return "";
    }));
    // 6.5 SETTINGS
    l.add(c("6.5/1 SETTINGS ACK with a payload", (c, v, id) -> {
      c.write(SETTINGS, ACK, 0, new byte[6]);
      connError(c, v, id, FRAME_SIZE_ERROR);
      return "";
    }));
    l.add(c("6.5/2 SETTINGS on stream 1", (c, v, id) -> {
      c.write(SETTINGS, 0, 1, settings(0x3, 100));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.5/3 SETTINGS with length not a multiple of 6", (c, v, id) -> {
      c.write(SETTINGS, 0, 0, new byte[3]);
      connError(c, v, id, FRAME_SIZE_ERROR);
      return "";
    }));
    l.add(c("6.5.2/1 SETTINGS_ENABLE_PUSH = 2", (c, v, id) -> {
      c.write(SETTINGS, 0, 0, settings(0x2, 2));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.5.2/2 SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1", (c, v, id) -> {
      c.write(SETTINGS, 0, 0, settings(0x4, 0x80000000));
      connError(c, v, id, FLOW_CONTROL_ERROR);
      return "";
    }));
    l.add(c("6.5.2/3 SETTINGS_MAX_FRAME_SIZE below 16384", (c, v, id) -> {
      c.write(SETTINGS, 0, 0, settings(0x5, 16383));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.5.2/4 SETTINGS_MAX_FRAME_SIZE above 2^24-1", (c, v, id) -> {
      c.write(SETTINGS, 0, 0, settings(0x5, 1 << 24));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.5.2/5 unknown setting ignored", (c, v, id) -> {
      c.write(SETTINGS, 0, 0, settings(0xff, 1));
      stillWorks(c, v, id, 1);
      return "";
    }));
    l.add(c("6.5.3/2 SETTINGS acknowledged", (c, v, id) -> {
      c.write(SETTINGS, 0, 0, settings(0x3, 100, 0x4, 65535));
      boolean acked = false;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!acked && System.nanoTime() < deadline) {
        Frame f = c.read(Duration.ofMillis(200));
        acked = f != null && f.type() == SETTINGS && f.has(ACK);
        if (f == null && c.eof()) {
          break;
        }
      }
      v.add(id, "MUST", acked, "SETTINGS ACK received: " + acked);
      return "";
    }));
    // 6.7 PING
    l.add(c("6.7/1 PING answered with the same payload", (c, v, id) -> {
      v.add(id, "MUST", c.ping(WAIT), "PING ACK with the same payload");
      return "";
    }));
    l.add(c("6.7/2 PING ACK from the client not answered", (c, v, id) -> {
      c.write(PING, ACK, 0, "unsolici".getBytes(StandardCharsets.US_ASCII));
      boolean alive = c.ping(WAIT);
      v.add(id, "MUST", alive, "the ACK was ignored and a later PING answered: " + alive);
      return "";
    }));
    l.add(c("6.7/3 PING on stream 1", (c, v, id) -> {
      c.write(PING, 0, 1, new byte[8]);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.7/4 PING with length 6", (c, v, id) -> {
      c.write(PING, 0, 0, new byte[6]);
      connError(c, v, id, FRAME_SIZE_ERROR);
      return "";
    }));
    // 6.8 GOAWAY
    l.add(c("6.8/1 GOAWAY on stream 1", (c, v, id) -> {
      c.write(GOAWAY, 0, 1, RawH2Connection.goaway(0, 0));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // 6.9 WINDOW_UPDATE
    l.add(c("6.9/1 WINDOW_UPDATE increment 0 on the connection", (c, v, id) -> {
      c.write(WINDOW_UPDATE, 0, 0, int32(0));
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.9/2 WINDOW_UPDATE increment 0 on a stream", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.write(WINDOW_UPDATE, 0, 1, int32(0));
      streamError(c, v, id, 1, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.9/3 WINDOW_UPDATE with length 3", (c, v, id) -> {
      c.write(WINDOW_UPDATE, 0, 0, new byte[3]);
      connError(c, v, id, FRAME_SIZE_ERROR);
      return "";
    }));
    l.add(c("6.9.1/2 connection window above 2^31-1", (c, v, id) -> {
      c.write(WINDOW_UPDATE, 0, 0, int32(0x7fffffff));
      c.write(WINDOW_UPDATE, 0, 0, int32(0x7fffffff));
      connError(c, v, id, FLOW_CONTROL_ERROR);
      return "";
    }));
    l.add(c("6.9.1/3 stream window above 2^31-1", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.write(WINDOW_UPDATE, 0, 1, int32(0x7fffffff));
      c.write(WINDOW_UPDATE, 0, 1, int32(0x7fffffff));
      streamError(c, v, id, 1, FLOW_CONTROL_ERROR);
      return "";
    }));
    // 6.10 CONTINUATION
    l.add(c("6.10/2 CONTINUATION after HEADERS with END_HEADERS", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS, 1, post(id).bytes());
      c.write(CONTINUATION, END_HEADERS, 1, Hpack.block().literal("x-a", "b").bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.10/4 CONTINUATION on stream 0", (c, v, id) -> {
      c.write(HEADERS, END_STREAM, 1, get(id).bytes());
      c.write(CONTINUATION, END_HEADERS, 0, Hpack.block().literal("x-a", "b").bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.10/5 CONTINUATION after DATA", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.data(1, "x".getBytes(StandardCharsets.US_ASCII), false);
      c.write(CONTINUATION, END_HEADERS, 1, Hpack.block().literal("x-a", "b").bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("6.10/6 CONTINUATION on another stream", (c, v, id) -> {
      c.write(HEADERS, END_STREAM, 1, get(id).bytes());
      c.write(CONTINUATION, END_HEADERS, 3, Hpack.block().literal("x-a", "b").bytes());
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // 8.1 HTTP request/response exchange
    l.add(c("8.1/1 second HEADERS (trailers) without END_STREAM", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.data(1, "x".getBytes(StandardCharsets.US_ASCII), false);
      c.headers(1, Hpack.block().literal("x-trailer", "t"), false);
      streamError(c, v, id, 1, PROTOCOL_ERROR);
      return "";
    }));
    for (Object[] bad : new Object[][] {
        {"8.1.2/1 uppercase header name", Hpack.request("GET", "/h2conf/upper", "localhost").literal("X-Upper", "1")},
        {"8.1.2.1/1 unknown pseudo-header", Hpack.request("GET", "/h2conf/pseudo", "localhost").literal(":foo", "1")},
        {"8.1.2.1/2 response pseudo-header in a request",
            Hpack.request("GET", "/h2conf/status", "localhost").literal(":status", "200")},
        {"8.1.2.1/4 pseudo-header after a regular header", Hpack.block().literal(":method", "GET")
            .literal(":scheme", "http").literal("x-a", "b").literal(":path", "/h2conf/order")
            .literal(":authority", "localhost")},
        {"8.1.2.2/1 connection-specific header", Hpack.request("GET", "/h2conf/conn", "localhost")
            .literal("connection", "keep-alive")},
        {"8.1.2.2/2 TE other than trailers", Hpack.request("GET", "/h2conf/te", "localhost")
            .literal("te", "trailers, deflate")},
        {"8.1.2.3/1 empty :path", Hpack.request("GET", "", "localhost")},
        {"8.1.2.3/2 missing :method", Hpack.block().literal(":scheme", "http").literal(":path", "/h2conf/nm")
            .literal(":authority", "localhost")},
        {"8.1.2.3/3 missing :scheme", Hpack.block().literal(":method", "GET").literal(":path", "/h2conf/ns")
            .literal(":authority", "localhost")},
        {"8.1.2.3/4 missing :path", Hpack.block().literal(":method", "GET").literal(":scheme", "http")
            .literal(":authority", "localhost")},
        {"8.1.2.3/5 duplicate :method", Hpack.request("GET", "/h2conf/dm", "localhost").literal(":method", "GET")},
        {"8.1.2.3/6 duplicate :scheme", Hpack.request("GET", "/h2conf/ds", "localhost").literal(":scheme", "http")},
        {"8.1.2.3/7 duplicate :path", Hpack.request("GET", "/h2conf/dp", "localhost").literal(":path", "/x")}}) {
      String id = (String) bad[0];
      Hpack block = (Hpack) bad[1];
      l.add(c(id, (c, v, i) -> {
        c.headers(1, block, true);
        streamError(c, v, i, 1, PROTOCOL_ERROR);
        return "";
      }));
    }
    l.add(c("8.1.2.1/3 pseudo-header in trailers", (c, v, id) -> {
      c.headers(1, post(id), false);
      c.data(1, "x".getBytes(StandardCharsets.US_ASCII), false);
      c.headers(1, Hpack.block().literal(":method", "POST"), true);
      streamError(c, v, id, 1, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("8.1.2.6/1 content-length larger than the DATA", (c, v, id) -> {
      c.headers(1, post(id).literal("content-length", "10"), false);
      c.data(1, "four".getBytes(StandardCharsets.US_ASCII), true);
      streamError(c, v, id, 1, PROTOCOL_ERROR);
      return "";
    }));
    l.add(c("8.1.2.6/2 DATA frames summing above content-length", (c, v, id) -> {
      c.headers(1, post(id).literal("content-length", "4"), false);
      c.data(1, "four".getBytes(StandardCharsets.US_ASCII), false);
      c.data(1, "more".getBytes(StandardCharsets.US_ASCII), true);
      streamError(c, v, id, 1, PROTOCOL_ERROR);
      return "";
    }));
    // 8.2 server push
    l.add(c("8.2/1 PUSH_PROMISE from the client", (c, v, id) -> {
      byte[] block = get(id).bytes();
      byte[] payload = Arrays.copyOf(int32(2), 4 + block.length);
      System.arraycopy(block, 0, payload, 4, block.length);
      c.headers(1, post(id), false);
      c.write(PUSH_PROMISE, END_HEADERS, 1, payload);
      connError(c, v, id, PROTOCOL_ERROR);
      return "";
    }));
    // HPACK (RFC 7541)
    l.add(c("hpack/2.3.3/1 indexed field out of range", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, get(id).indexed(70).bytes());
      connError(c, v, id, COMPRESSION_ERROR);
      return "";
    }));
    l.add(c("hpack/2.3.3/2 literal name index out of range", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, get(id).raw(0x0f, 0x3f, 0x01, 'x').bytes());
      connError(c, v, id, COMPRESSION_ERROR);
      return "";
    }));
    l.add(c("hpack/4.2/1 table size update above SETTINGS_HEADER_TABLE_SIZE", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, Hpack.block().tableSizeUpdate(8192).literal(":method", "GET")
          .literal(":scheme", "http").literal(":path", "/h2conf/tsu").literal(":authority", "localhost").bytes());
      connError(c, v, id, COMPRESSION_ERROR);
      return "";
    }));
    l.add(c("hpack/5.2/1 Huffman string containing EOS", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, get(id).raw(0x00, 0x03, 'x', '-', 'h', 0x84, 0xff, 0xff,
          0xff, 0xff).bytes());
      connError(c, v, id, COMPRESSION_ERROR);
      return "";
    }));
    l.add(c("hpack/5.2/2 Huffman padding longer than 7 bits", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, get(id).raw(0x00, 0x03, 'x', '-', 'h', 0x82, 0x1f, 0xff)
          .bytes());
      connError(c, v, id, COMPRESSION_ERROR);
      return "";
    }));
    l.add(c("hpack/5.2/3 Huffman padding not the EOS prefix", (c, v, id) -> {
      c.write(HEADERS, END_HEADERS | END_STREAM, 1, get(id).raw(0x00, 0x03, 'x', '-', 'h', 0x81, 0x18).bytes());
      connError(c, v, id, COMPRESSION_ERROR);
      return "";
    }));
    return l;
  }

  @TestFactory
  Stream<DynamicTest> h2conf() {
    Verdicts verdicts = new Verdicts("h2conf").knownBugs(KNOWN_BUGS);
    Cases.runAll(verdicts, cases(), 6, 6, QUARANTINED);
    verdicts.print("h2conf: " + verdicts.passed("MUST") + "/" + verdicts.total("MUST") + " pass (" + exactOk.get()
        + "/" + exactTotal.get() + " with the exact error code), strict " + verdicts.passed("STRICT") + "/"
        + verdicts.total("STRICT"));
    return verdicts.tests();
  }
}
