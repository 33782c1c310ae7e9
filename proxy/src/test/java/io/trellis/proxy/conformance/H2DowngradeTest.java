package io.trellis.proxy.conformance;

import static io.trellis.testkit.conformance.RawH2Connection.END_HEADERS;
import static io.trellis.testkit.conformance.RawH2Connection.HEADERS;

import io.trellis.testkit.conformance.Hpack;
import io.trellis.testkit.conformance.RawH2Connection;
import io.trellis.testkit.conformance.RawH2Connection.Kind;
import io.trellis.testkit.conformance.RawH2Connection.Outcome;
import io.trellis.testkit.conformance.RecordingUpstream;
import io.trellis.testkit.conformance.Verdicts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * DOWNGRADE: malformed HTTP/2 requests (RFC 9113 8.2.1, 8.2.2, 8.3.1, 8.1.1) sent to the proxy, whose upstream speaks
 * HTTP/1.1: connection-specific fields, {@code te} other than trailers, content-length that does not match the DATA
 * (H2.CL), CR/LF/NUL in values, uppercase or non-token names, CRLF injection in pseudo-headers. Each must be refused
 * (RST_STREAM, GOAWAY or a local 4xx) and never reach the upstream as a complete request; a smuggled request hidden in
 * the vector must never reach it at all.
 *
 * <p>Prints {@code h2-downgrade: N tried, F forwarded malformed}.
 */
class H2DowngradeTest {
  private static final Duration WAIT = Duration.ofSeconds(2);
  private static ProxyHarness harness;

  /** Vectors that make the proxy leak a buffer (which fails the whole class): not sent unless asked for. */
  static final Map<String, String> QUARANTINED = Map.of();

  /** Failing vectors routed to the owner of io.trellis.proxy.http. */
  static final Map<String, String> KNOWN_BUGS = Map.of(
      "cl-zero-with-data", "HEADERS with content-length: 0 and no END_STREAM are forwarded before the DATA that makes "
          + "the request malformed arrives (the upstream sees a complete empty POST; the DATA, a smuggled request, "
          + "is never forwarded); timing-dependent");

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

  /**
   * A vector: headers for the id (its :path is /dg/ID/), and an optional body (sent in one DATA frame with
   * END_STREAM).
   */
  record Vector(String id, Function<String, Hpack> headers, Function<String, String> body) {}

  static String smuggled(String id) {
    return "GET /smuggled/" + id + "/ HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }

  static Hpack base(String id, String method) {
    return Hpack.request(method, "/dg/" + id + "/", "localhost");
  }

  static List<Vector> vectors() {
    List<Vector> v = new ArrayList<>();
    for (String[] field : new String[][] {
        {"connection", "keep-alive"}, {"keep-alive", "timeout=5"}, {"proxy-connection", "keep-alive"},
        {"transfer-encoding", "chunked"}, {"upgrade", "websocket"}, {"te", "gzip"}, {"te", "trailers, gzip"},
        {"x-cr", "a\rb"}, {"x-lf", "a\nb"}, {"x-crlf-inject", "a\r\nTransfer-Encoding: chunked"}, {"x-nul", "a\u0000b"},
        {"X-Upper", "1"}, {"x space", "1"}, {"x:colon", "1"}, {"x-lead-ws", " a"}, {"x-trail-ws", "a "},
        {"", "empty-name"}, {"x-del\u007f", "1"}, {"host", "other.example\r\nX-Injected: 1"}}) {
      v.add(new Vector("field-" + field[0].replaceAll("[^a-zA-Z0-9-]", "_"), id -> base(id, "GET")
          .literal(field[0], field[1]), null));
    }
    v.add(new Vector("cl-above-data", id -> base(id, "POST").literal("content-length", "10"), id -> "short"));
    v.add(new Vector("cl-below-data", id -> base(id, "POST").literal("content-length", "2"),
        id -> "ok" + smuggled(id)));
    v.add(new Vector("cl-zero-with-data", id -> base(id, "POST").literal("content-length", "0"),
        H2DowngradeTest::smuggled));
    v.add(new Vector("cl-two-values", id -> base(id, "POST").literal("content-length", "5")
        .literal("content-length", "6"), id -> "hello"));
    v.add(new Vector("cl-list", id -> base(id, "POST").literal("content-length", "5, 6"), id -> "hello"));
    v.add(new Vector("cl-plus", id -> base(id, "POST").literal("content-length", "+5"), id -> "hello"));
    v.add(new Vector("te-chunked-body", id -> base(id, "POST").literal("transfer-encoding", "chunked"),
        id -> "0\r\n\r\n" + smuggled(id)));
    v.add(new Vector("path-crlf-inject", id -> Hpack.request("GET", "/dg/" + id + "/ HTTP/1.1\r\nHost: a\r\n\r\n"
        + smuggled(id).trim(), "localhost"), null));
    v.add(new Vector("path-space", id -> Hpack.request("GET", "/dg/" + id + "/ x", "localhost"), null));
    v.add(new Vector("method-crlf-inject", id -> Hpack.request("GET /smuggled/" + id
        + "/ HTTP/1.1\r\nHost: a\r\n\r\nGET", "/dg/" + id + "/", "localhost"), null));
    v.add(new Vector("method-space", id -> Hpack.request("GE T", "/dg/" + id + "/", "localhost"), null));
    v.add(new Vector("authority-crlf-inject", id -> Hpack.request("GET", "/dg/" + id + "/",
        "localhost\r\nX-Injected: 1"), null));
    v.add(new Vector("authority-userinfo", id -> Hpack.request("GET", "/dg/" + id + "/", "user@localhost"), null));
    v.add(new Vector("duplicate-path", id -> base(id, "GET").literal(":path", "/other"), null));
    v.add(new Vector("missing-scheme", id -> Hpack.block().literal(":method", "GET")
        .literal(":path", "/dg/" + id + "/").literal(":authority", "localhost"), null));
    v.add(new Vector("pseudo-after-regular", id -> Hpack.block().literal(":method", "GET").literal("x-a", "b")
        .literal(":scheme", "http").literal(":path", "/dg/" + id + "/").literal(":authority", "localhost"), null));
    return v;
  }

  @TestFactory
  Stream<DynamicTest> downgrade() {
    Verdicts v = new Verdicts("h2-downgrade").knownBugs(KNOWN_BUGS);
    List<Vector> vectors = vectors();
    List<Object[]> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Cases.Named> cases = new ArrayList<>();
    for (Vector vec : vectors) {
      cases.add(new Cases.Named(vec.id(), "ATTACK", ignored -> {
        try (RawH2Connection c = RawH2Connection.connect(harness.address()).handshake()) {
          boolean hasBody = vec.body() != null;
          c.write(HEADERS, END_HEADERS | (hasBody ? 0 : RawH2Connection.END_STREAM), 1,
              vec.headers().apply(vec.id()).bytes());
          if (hasBody) {
            c.data(1, vec.body().apply(vec.id()).getBytes(StandardCharsets.ISO_8859_1), true);
          }
          outcomes.add(new Object[] {vec, c.awaitStream(1, WAIT)});
        }
      }));
    }
    Verdicts sent = new Verdicts("h2-downgrade-send");
    Cases.runAll(sent, cases, 6, 4, QUARANTINED);
    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> harness.upstream().quietFor(Duration.ofMillis(300)));
    for (Verdicts.Verdict f : sent.failures()) {
      v.add(f.id(), "ATTACK", false, f.detail());
    }
    int forwarded = 0;
    for (Object[] o : outcomes) {
      Vector vec = (Vector) o[0];
      Outcome out = (Outcome) o[1];
      String id = vec.id();
      List<RecordingUpstream.Request> up = harness.upstream().requests(r -> r.target().contains("/" + id + "/")
          || r.headers().stream().anyMatch(h -> h.getValue().contains("/" + id + "/")));
      boolean complete = up.stream().anyMatch(r -> r.complete() && r.target().startsWith("/dg/"));
      boolean smuggledSeen = up.stream().anyMatch(r -> r.target().startsWith("/smuggled/"));
      boolean refused = out.kind() == Kind.RST_STREAM || out.kind() == Kind.GOAWAY || out.kind() == Kind.CLOSED
          || out.kind() == Kind.RESPONSE && out.status() >= 400 && out.status() < 500;
      boolean bad = complete || smuggledSeen;
      forwarded += bad ? 1 : 0;
      v.add(id, "ATTACK", !bad && refused, out + (bad ? "; FORWARDED: upstream saw " : "; upstream saw ")
          + up.stream().map(r -> r.method() + " " + RecordingUpstream.printable(r.target())
          + (r.complete() ? "" : " (incomplete)") + " " + r.headers()).toList());
    }
    v.print("h2-downgrade: " + vectors.size() + " tried, " + forwarded + " forwarded malformed, "
        + v.all().stream().filter(x -> x.detail().startsWith("not run")).count() + " quarantined");
    return v.tests();
  }
}
