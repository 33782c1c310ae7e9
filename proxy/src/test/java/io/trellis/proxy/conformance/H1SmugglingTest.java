package io.trellis.proxy.conformance;

import io.trellis.testkit.conformance.RawHttp1Client;
import io.trellis.testkit.conformance.RawHttp1Client.Exchange;
import io.trellis.testkit.conformance.RawHttp1Client.Response;
import io.trellis.testkit.conformance.RecordingUpstream;
import io.trellis.testkit.conformance.Verdicts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * SMUG-H1: request smuggling and desync vectors. A generator crosses 13 bytes with 10 positions around
 * {@code Transfer-Encoding: chunked} (the mutation list of the smuggler catalogue, our own vectors), plus named CL.TE,
 * TE.CL, TE.TE, CL.0, 0.CL and "funky chunks" vectors. Each vector is followed on the same connection by a smuggled
 * request and a {@code Connection: close} probe.
 *
 * <p>A vector passes when the proxy either rejected it (local 4xx and the connection closed), or forwarded only
 * unambiguous messages (the strict upstream found no anomaly) and the upstream saw no request that the client did not
 * get a response for (no desync). The smuggled request may reach the upstream only as a request the proxy itself
 * parsed and answered (legitimate pipelining by the proxy's own reading, which the upstream then shares).
 *
 * <p>Prints {@code smuggling: N tried, A forwarded ambiguous, D upstream desync, R rejected, K normalised, S stalled}.
 */
class H1SmugglingTest {
  static final int[] BYTES = {0x01, 0x04, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1f, 0x20, 0x7f, 0xa0, 0xff};
  static final String[] POSITIONS = {
      "%cTransfer-Encoding: chunked",
      "Transfer-Encoding%c: chunked",
      "Transfer-Encoding:%cchunked",
      "Transfer-Encoding: %cchunked",
      "Transfer-Encoding: chunked%c",
      "Transfer-Encoding: chu%cnked",
      "X: X%cTransfer-Encoding: chunked",
      "Transfer-Encoding: chunked%cX: X",
      "X: X\r%cTransfer-Encoding: chunked",
      "Transfer-Encoding: chunked\r%cX: X"};
  private static final Duration READ = Duration.ofMillis(2500);
  private static ProxyHarness harness;

  /** One vector: the request head's framing lines and the body, with %ID% standing for the vector id. */
  record Vector(String id, String family, String bytes) {}

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

  static String smuggled(String id) {
    return "GET /smuggled/" + id + "/ HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }

  static String probe(String id) {
    return "GET /probe/" + id + "/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  }

  /** CL.TE shape: a chunked terminator then the smuggled request, all covered by Content-Length. */
  static String clTe(String id, String method, String teLines) {
    String body = "0\r\n\r\n" + smuggled(id);
    return method + " /v/" + id + "/ HTTP/1.1\r\nHost: localhost\r\n" + teLines + "\r\nContent-Length: "
        + body.length() + "\r\n\r\n" + body + probe(id);
  }

  /** TE.CL shape: a chunk that holds the smuggled request, and a Content-Length that covers only the size line. */
  static String teCl(String id, String teLines) {
    String inner = smuggled(id);
    String chunk = Integer.toHexString(inner.length()) + "\r\n";
    return "POST /v/" + id + "/ HTTP/1.1\r\nHost: localhost\r\n" + teLines + "\r\nContent-Length: " + chunk.length()
        + "\r\n\r\n" + chunk + inner + "\r\n0\r\n\r\n" + probe(id);
  }

  static String chunkedBody(String id, String chunkedBody) {
    return "POST /v/" + id + "/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody
        + smuggled(id) + probe(id);
  }

  static List<Vector> vectors() {
    List<Vector> v = new ArrayList<>();
    for (int p = 0; p < POSITIONS.length; p++) {
      for (int b : BYTES) {
        String id = String.format("gen-p%d-%02x", p, b);
        v.add(new Vector(id, "generated", clTe(id, "POST", String.format(POSITIONS[p], (char) b))));
      }
    }
    AtomicInteger n = new AtomicInteger();
    java.util.function.BiConsumer<String, java.util.function.Function<String, String>> named = (family, f) -> {
      String id = family + "-" + n.incrementAndGet();
      v.add(new Vector(id, family, f.apply(id)));
    };
    // CL.TE and TE.CL with plain and obfuscated Transfer-Encoding.
    for (String te : List.of("Transfer-Encoding: chunked", "Transfer-Encoding: CHUNKED", "Transfer-Encoding:\tchunked",
        "Transfer-Encoding: xchunked", "Transfer-Encoding : chunked", "Transfer-Encoding: chunked, identity",
        "Transfer-Encoding: identity, chunked", "Transfer-Encoding: \"chunked\"", "Transfer-Encoding:\r\n chunked",
        "Transfer_Encoding: chunked", "Transfer-Encoding: chunked;q=1", " Transfer-Encoding: chunked",
        "Transfer-Encoding: \u0000chunked", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        "Content-Length: 0\r\nTransfer-Encoding: chunked")) {
      named.accept("CL.TE", id -> clTe(id, "POST", te));
      named.accept("TE.CL", id -> teCl(id, te));
    }
    // TE.TE: two Transfer-Encoding fields, one of them obfuscated.
    for (String te : List.of("Transfer-Encoding: chunked\r\nTransfer-Encoding: x",
        "Transfer-Encoding: x\r\nTransfer-Encoding: chunked", "Transfer-Encoding: chunked\r\nTransfer-encoding: cow",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding:", "Transfer-Encoding:\r\nTransfer-Encoding: chunked")) {
      named.accept("TE.TE", id -> clTe(id, "POST", te));
    }
    // CL.0: a body on a GET (or an OPTIONS) that some back ends ignore.
    for (String method : List.of("GET", "OPTIONS", "HEAD", "DELETE")) {
      named.accept("CL.0", id -> method + " /v/" + id + "/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
          + smuggled(id).length() + "\r\n\r\n" + smuggled(id) + probe(id));
    }
    // 0.CL: a Content-Length some front ends ignore and back ends honour.
    for (String cl : List.of("Content-Length : %d", "Content-Length:\u000b%d", " Content-Length: %d",
        "Content-Length: %d\u000b", "Content-Length: +%d", "Content-Length: 0%d", "Content-Length: %d, %d",
        "Content-Length: 0\r\nContent-Length: %d", "Content-Length: %d\r\nContent-Length: 0",
        "Content_Length: %d", "X: X\nContent-Length: %d")) {
      named.accept("0.CL", id -> {
        int len = smuggled(id).length();
        return "POST /v/" + id + "/ HTTP/1.1\r\nHost: localhost\r\n" + cl.replace("%d", String.valueOf(len))
            + "\r\n\r\n" + smuggled(id) + probe(id);
      });
    }
    named.accept("0.CL", id -> "POST /v/" + id + "/ HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
        + "Content-Length: " + smuggled(id).length() + "\r\n\r\n" + smuggled(id) + probe(id));
    named.accept("0.CL", id -> "POST /v/" + id + "/ HTTP/1.0\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
        + "Content-Length: " + ("0\r\n\r\n" + smuggled(id)).length() + "\r\n\r\n0\r\n\r\n" + smuggled(id) + probe(id));
    // Funky chunks: chunk-size and chunk-ext parsing differences, terminators, trailers.
    for (String body : List.of("5;\nxx\r\nhello\r\n0\r\n\r\n", "5;a=\"b\r\nhello\r\n0\r\n\r\n",
        "5;a\rb\r\nhello\r\n0\r\n\r\n", "5 \r\nhello\r\n0\r\n\r\n", "0000000000000000000000005\r\nhello\r\n0\r\n\r\n",
        "10000000000000005\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX\r\n0\r\n\r\n", "5\r\nhello\n0\r\n\r\n",
        "5\nhello\n0\n\n", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX: y\r\n\r\n", "2\r\nhello\r\n0\r\n\r\n",
        "5\r\nhello\r\n0;ext\r\n\r\n", "5\r\nhello\r\n00\r\n\r\n", "5\r\nhel\r\n0\r\n\r\n",
        "5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n",
        "\r\n5\r\nhello\r\n0\r\n\r\n")) {
      named.accept("funky-chunk", id -> chunkedBody(id, body));
    }
    return v;
  }

  private record Outcome(Vector vector, Exchange exchange, String error) {}

  @TestFactory
  Stream<DynamicTest> smuggling() {
    List<Vector> vectors = vectors();
    List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    Verdicts sent = new Verdicts("smuggling-send");
    List<Cases.Named> cases = new ArrayList<>();
    for (Vector vec : vectors) {
      cases.add(new Cases.Named(vec.id(), "ATTACK", ignored -> {
        try (RawHttp1Client c = RawHttp1Client.connect(harness.address())) {
          try {
            c.send(vec.bytes());
          } catch (IOException e) {
            // the proxy may close while we are still writing
          }
          outcomes.add(new Outcome(vec, c.readAll(READ, vec.bytes().startsWith("HEAD ")), ""));
        }
      }));
    }
    Cases.runAll(sent, cases, 16, 4, Map.of());
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> harness.upstream().quietFor(Duration.ofMillis(300)));

    Verdicts verdicts = new Verdicts("smuggling");
    int ambiguous = 0;
    int desync = 0;
    int rejected = 0;
    int normalised = 0;
    int stalled = 0;
    int abortedMidBody = 0;
    for (Verdicts.Verdict failed : sent.failures()) {
      verdicts.add(failed.id(), "ATTACK", false, failed.detail());
    }
    for (Outcome o : outcomes) {
      String id = o.vector().id();
      Exchange ex = o.exchange();
      List<RecordingUpstream.Request> up = harness.upstream().requests(r -> r.target().contains("/" + id + "/"));
      Set<String> answered = new HashSet<>();
      for (Response r : ex.responses()) {
        if (r.upstreamTarget() != null) {
          answered.add(r.upstreamTarget());
        }
      }
      // A message the proxy cut off (it found the framing error while streaming and reset the upstream) is not
      // ambiguous: the upstream never completed it. Anything else the strict parser objects to is.
      List<String> anomalies = up.stream().flatMap(r -> r.anomalies().stream())
          .filter(a -> !a.equals("trailer") && !a.equals("chunk-truncated") && !a.equals("body-truncated")).toList();
      List<String> unanswered = up.stream().map(RecordingUpstream.Request::target)
          .filter(t -> !t.startsWith("/v/") && !answered.contains(t)).toList();
      Response first = ex.first();
      boolean local4xx = first != null && first.upstreamTarget() == null && first.status() >= 400
          && first.status() < 500;
      // The proxy streams a request head upstream before it has seen the whole chunked body (as Envoy does). When a
      // later chunk is malformed it answers 400 and closes, and the upstream request is cut off on a connection that
      // is closed, never reused: the upstream saw an incomplete request and nothing else. That is an abort, not an
      // ambiguity, as long as it is the only anomaly and no upstream request completed.
      boolean aborted = !anomalies.isEmpty() && anomalies.stream().allMatch("chunk-truncated"::equals)
          && up.stream().noneMatch(RecordingUpstream.Request::complete) && local4xx && ex.closed();
      boolean isAmbiguous = !anomalies.isEmpty() && !aborted;
      boolean isDesync = !unanswered.isEmpty();
      String kind;
      boolean pass;
      if (isAmbiguous || isDesync) {
        kind = (isAmbiguous ? "AMBIGUOUS " + anomalies : "") + (isDesync ? " DESYNC unanswered=" + unanswered : "");
        pass = false;
      } else if (aborted) {
        kind = "aborted mid-body";
        pass = true;
      } else if (local4xx) {
        pass = ex.closed();
        kind = pass ? "rejected" : "rejected but connection left open";
      } else if (first != null && first.upstreamTarget() != null) {
        kind = "normalised";
        pass = true;
      } else {
        kind = "stalled (no response before the deadline, nothing ambiguous upstream)";
        pass = true;
      }
      ambiguous += isAmbiguous ? 1 : 0;
      desync += isDesync ? 1 : 0;
      rejected += kind.equals("rejected") ? 1 : 0;
      abortedMidBody += aborted ? 1 : 0;
      normalised += kind.equals("normalised") ? 1 : 0;
      stalled += kind.startsWith("stalled") ? 1 : 0;
      verdicts.add(id, o.vector().family(), pass, kind + "; sent " + RecordingUpstream.printable(
          o.vector().bytes().substring(0, Math.min(200, o.vector().bytes().length()))) + " -> " + ex
          + "; upstream saw " + up.stream().map(r -> r.method() + " " + r.target()
          + (r.complete() ? "" : " (incomplete)")).toList());
    }
    verdicts.print("smuggling: " + vectors.size() + " tried, " + ambiguous + " forwarded ambiguous, " + desync
        + " upstream desync, " + rejected + " rejected, " + abortedMidBody + " aborted mid-body (400 + close, upstream "
        + "request cut off), " + normalised + " normalised, " + stalled + " stalled");
    Objects.requireNonNull(harness);
    return verdicts.tests();
  }
}
