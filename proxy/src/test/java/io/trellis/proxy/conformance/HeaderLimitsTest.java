package io.trellis.proxy.conformance;

import static io.trellis.testkit.conformance.RawH2Connection.CONTINUATION;
import static io.trellis.testkit.conformance.RawH2Connection.END_HEADERS;
import static io.trellis.testkit.conformance.RawH2Connection.END_STREAM;
import static io.trellis.testkit.conformance.RawH2Connection.HEADERS;

import io.trellis.testkit.conformance.Hpack;
import io.trellis.testkit.conformance.RawH2Connection;
import io.trellis.testkit.conformance.RawH2Connection.Kind;
import io.trellis.testkit.conformance.RawH2Connection.Outcome;
import io.trellis.testkit.conformance.RawHttp1Client;
import io.trellis.testkit.conformance.RawHttp1Client.Exchange;
import io.trellis.testkit.conformance.Verdicts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * HDR-LIMITS: the header count (Envoy's default {@code max_headers_count} 100) and total size ({@code
 * max_request_headers_kb} 60) edges, as defaults (the bootstrap sets neither), on HTTP/1.1 and HTTP/2.
 *
 * <p>Edges are defined so that both ways of counting agree: on HTTP/1.1 the accepted request has exactly 61440 bytes
 * of field lines ({@code name: value}, CRLF excluded) and the rejected one 61441 bytes of names and values alone; on
 * HTTP/2 the header list size is counted as RFC 9113 6.5.2 does (name + value + 32 per field, pseudo-headers
 * included): 61440 accepted, 61441 rejected. Counts are the fields of the request as HTTP/1 sees it: 100 (Host
 * included; on HTTP/2, {@code :authority} counts as Host and the other pseudo-headers do not) accepted, 101 rejected.
 *
 * <p>Prints {@code limits: 431 at limit+1 N/N; accepted at limit N/N}.
 */
class HeaderLimitsTest {
  static final int LIMIT_BYTES = 60 * 1024;
  static final int LIMIT_COUNT = 100;
  private static final Duration READ = Duration.ofSeconds(3);
  private static ProxyHarness harness;

  /** Failing cases routed to the owner of io.trellis.proxy.http. */
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

  // ---- HTTP/1.1

  /** {@code count} fields in all (Host first), as raw field lines. */
  private static String h1CountHeaders(int count) {
    StringBuilder b = new StringBuilder("Host: localhost\r\n");
    for (int i = 1; i < count; i++) {
      b.append("x-h-").append(i).append(": v\r\n");
    }
    return b.toString();
  }

  /** Field lines (Host first, 8 fields) whose {@code name: value} bytes sum to {@code lineBytes}. */
  private static String h1SizedHeaders(int lineBytes) {
    List<String> lines = new ArrayList<>();
    lines.add("Host: localhost");
    int used = lines.get(0).length();
    int fillers = 7;
    for (int i = 0; i < fillers; i++) {
      String prefix = "x-fill-" + i + ": ";
      int remaining = lineBytes - used;
      int valueLen = i == fillers - 1 ? remaining - prefix.length() : remaining / (fillers - i) - prefix.length();
      lines.add(prefix + "f".repeat(valueLen));
      used += prefix.length() + valueLen;
    }
    return String.join("\r\n", lines) + "\r\n";
  }

  private static int nameValueBytes(String fieldLines) {
    int n = 0;
    for (String line : fieldLines.split("\r\n")) {
      int colon = line.indexOf(':');
      n += colon + (line.length() - colon - 2);
    }
    return n;
  }

  private static Exchange h1(String path, String fieldLines) throws IOException {
    try (RawHttp1Client c = RawHttp1Client.connect(harness.address())) {
      c.send("GET " + path + " HTTP/1.1\r\n" + fieldLines + "\r\n");
      RawHttp1Client.Response r = c.readOne(READ, false);
      boolean closed = r == null || r.status() >= 400 && c.awaitClosed(READ);
      return new Exchange(r == null ? List.of() : List.of(r), closed, false, "");
    }
  }

  // ---- HTTP/2

  private static Outcome h2(String path, Hpack block) throws IOException {
    try (RawH2Connection c = RawH2Connection.connect(harness.address()).handshake()) {
      byte[] bytes = block.bytes();
      int max = 16384;
      if (bytes.length <= max) {
        c.write(HEADERS, END_HEADERS | END_STREAM, 1, bytes);
      } else {
        c.write(HEADERS, END_STREAM, 1, Arrays.copyOfRange(bytes, 0, max));
        for (int off = max; off < bytes.length; off += max) {
          int end = Math.min(bytes.length, off + max);
          c.write(CONTINUATION, end == bytes.length ? END_HEADERS : 0, 1, Arrays.copyOfRange(bytes, off, end));
        }
      }
      return c.awaitStream(1, READ);
    }
  }

  private static Hpack h2Count(String path, int count) {
    Hpack h = Hpack.request("GET", path, "localhost");
    for (int i = 1; i < count; i++) {
      h.literal("x-h-" + i, "v");
    }
    return h;
  }

  private static Hpack h2Sized(String path, int listSize) {
    Hpack h = Hpack.request("GET", path, "localhost");
    int used = (7 + 3 + 32) + (7 + 4 + 32) + (5 + path.length() + 32) + (10 + 9 + 32);
    int fillers = 7;
    for (int i = 0; i < fillers; i++) {
      String name = "x-fill-" + i;
      int remaining = listSize - used;
      int valueLen = (i == fillers - 1 ? remaining : remaining / (fillers - i)) - name.length() - 32;
      h.literal(name, "f".repeat(valueLen));
      used += name.length() + valueLen + 32;
    }
    return h;
  }

  private static boolean h2Rejected(Outcome o) {
    return o.kind() == Kind.RESPONSE && o.status() == 431 || o.kind() == Kind.RST_STREAM || o.kind() == Kind.GOAWAY
        || o.kind() == Kind.CLOSED;
  }

  @TestFactory
  Stream<DynamicTest> limits() throws IOException {
    Verdicts v = new Verdicts("limits").knownBugs(KNOWN_BUGS);
    harness.upstream().clear();

    Exchange ok = h1("/limits/h1-count-ok", h1CountHeaders(LIMIT_COUNT));
    v.add("H1 count 100 accepted", "AT-LIMIT", ok.firstStatus() == 200, "100 fields -> " + ok);
    Exchange over = h1("/limits/h1-count-over", h1CountHeaders(LIMIT_COUNT + 1));
    v.add("H1 count 101 -> 431", "OVER", over.firstStatus() == 431
        && harness.upstream().requestsMatching("/limits/h1-count-over").isEmpty(), "101 fields -> " + over);

    String atLimit = h1SizedHeaders(LIMIT_BYTES);
    Exchange sizeOk = h1("/limits/h1-size-ok", atLimit);
    v.add("H1 size 61440 accepted", "AT-LIMIT", sizeOk.firstStatus() == 200, "field lines of exactly "
        + (atLimit.length() - 2 * 8) + " bytes -> " + sizeOk);
    String overLimit = h1SizedHeaders(LIMIT_BYTES + 1 + 2 * 8);
    Exchange sizeOver = h1("/limits/h1-size-over", overLimit);
    v.add("H1 size 61441 -> 431", "OVER", sizeOver.firstStatus() == 431
        && harness.upstream().requestsMatching("/limits/h1-size-over").isEmpty(), "names+values of "
        + nameValueBytes(overLimit) + " bytes -> " + sizeOver);

    Outcome h2ok = h2("/limits/h2-count-ok", h2Count("/limits/h2-count-ok", LIMIT_COUNT));
    v.add("H2 count 100 accepted", "AT-LIMIT", h2ok.kind() == Kind.RESPONSE && h2ok.status() == 200,
        ":authority + 99 fields -> " + h2ok);
    Outcome h2over = h2("/limits/h2-count-over", h2Count("/limits/h2-count-over", LIMIT_COUNT + 1));
    v.add("H2 count 101 -> 431/RST_STREAM", "OVER", h2Rejected(h2over)
        && harness.upstream().requestsMatching("/limits/h2-count-over").isEmpty(), ":authority + 100 fields -> "
        + h2over);
    Outcome h2sizeOk = h2("/limits/h2-size-ok", h2Sized("/limits/h2-size-ok", LIMIT_BYTES));
    v.add("H2 header list 61440 accepted", "AT-LIMIT", h2sizeOk.kind() == Kind.RESPONSE && h2sizeOk.status() == 200,
        "header list size 61440 -> " + h2sizeOk);
    Outcome h2sizeOver = h2("/limits/h2-size-over", h2Sized("/limits/h2-size-over", LIMIT_BYTES + 1));
    v.add("H2 header list 61441 -> 431/RST_STREAM", "OVER", h2Rejected(h2sizeOver)
        && harness.upstream().requestsMatching("/limits/h2-size-over").isEmpty(), "header list size 61441 -> "
        + h2sizeOver);

    v.print("limits: 431 at limit+1 " + v.passed("OVER") + "/" + v.total("OVER") + "; accepted at limit "
        + v.passed("AT-LIMIT") + "/" + v.total("AT-LIMIT"));
    for (Verdicts.Verdict x : v.all()) {
      System.out.println("  " + (x.pass() ? "ok   " : "FAIL ") + x.id() + ": " + x.detail());
    }
    return v.tests();
  }
}
