package io.trellis.proxy.conformance;

import io.trellis.testkit.conformance.RawHttp1Client;
import io.trellis.testkit.conformance.RawHttp1Client.Exchange;
import io.trellis.testkit.conformance.RawHttp1Client.Response;
import io.trellis.testkit.conformance.RecordingUpstream;
import io.trellis.testkit.conformance.Verdicts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * H1-CONF: RFC 9110/9112 MUST-level behaviours of the proxy's HTTP/1.1 server side, one raw-socket case each, with the
 * section numbers of the RFC (and the case names of the Http11Probe MUST list where they match). Every case also
 * checks what reached the upstream: a rejected request must not reach it at all.
 *
 * <p>Prints {@code h1conf: N/M MUST pass, S/T SHOULD}.
 */
class H1ConformanceTest {
  private static final Duration READ = Duration.ofSeconds(2);
  /** Envoy answers HTTP/1.0 with 426 unless http_protocol_options.accept_http_10 is set; so does Trellis. */
  private static final int HTTP10_REFUSED = 426;
  private static ProxyHarness harness;

  /** Failing cases routed to the owner of io.trellis.proxy.http (Http1Connection / ConnectionSupport). */
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

  private static String t(String id) {
    return "/c/" + id + "/x";
  }

  private static String get(String id, String headers) {
    return "GET " + t(id) + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n";
  }

  private static Exchange exchange(String bytes) throws IOException {
    try (RawHttp1Client c = RawHttp1Client.connect(harness.address())) {
      c.send(bytes);
      return c.readAll(READ);
    }
  }

  private static List<RecordingUpstream.Request> seen(String id) {
    String marker = "/c/" + id + "/";
    return harness.upstream().requests(r -> r.target().contains(marker)
        || r.headers().stream().anyMatch(h -> h.getValue().contains(marker)));
  }

  /** A case whose only acceptable outcome is a local rejection with one of {@code statuses}. */
  private static Cases.Named reject(String id, String level, String bytes, Set<Integer> statuses, boolean close) {
    return new Cases.Named(id, level, v -> {
      Exchange ex = exchange(bytes);
      boolean statusOk = statuses.contains(ex.firstStatus()) && ex.first().upstreamTarget() == null;
      boolean closeOk = !close || ex.closed();
      boolean upstreamOk = seen(id).isEmpty();
      v.add(id, level, statusOk && closeOk && upstreamOk, "sent " + RecordingUpstream.printable(abbrev(bytes))
          + " -> " + ex + "; expected " + statuses + (close ? " + close" : "") + "; upstream saw " + seen(id).size());
    });
  }

  private static Cases.Named reject400(String id, String bytes) {
    return reject(id, "MUST", bytes, Set.of(400), false);
  }

  private static Cases.Named reject400Close(String id, String bytes) {
    return reject(id, "MUST", bytes, Set.of(400), true);
  }

  /** Either rejected with 400, or forwarded with the offending bytes removed (checked on the upstream's raw bytes). */
  private static Cases.Named rejectOrNormalise(String id, String bytes, String forbiddenUpstream) {
    return new Cases.Named(id, "MUST", v -> {
      Exchange ex = exchange(bytes);
      List<RecordingUpstream.Request> up = seen(id);
      boolean rejected = ex.firstStatus() == 400 && up.isEmpty();
      boolean normalised = ex.firstStatus() == 200 && up.size() == 1 && up.get(0).anomalies().isEmpty()
          && !harness.upstream().rawContains(forbiddenUpstream);
      v.add(id, "MUST", rejected || normalised, "sent " + RecordingUpstream.printable(abbrev(bytes)) + " -> " + ex
          + (rejected ? " (rejected)" : normalised ? " (normalised)" : "; upstream saw " + describe(up)));
    });
  }

  private static String describe(List<RecordingUpstream.Request> up) {
    return up.stream().map(r -> r.method() + " " + RecordingUpstream.printable(r.target()) + " " + r.version()
        + (r.anomalies().isEmpty() ? "" : " anomalies=" + r.anomalies())).toList().toString();
  }

  private static String abbrev(String s) {
    return s.length() > 160 ? s.substring(0, 120) + "...(" + s.length() + " bytes)" : s;
  }

  private static List<Cases.Named> cases() {
    List<Cases.Named> c = new ArrayList<>();
    // RFC 9112 3.2 / RFC 9110 7.2: Host.
    c.add(reject400("RFC9112-3.2-HOST-MISSING", "GET " + t("RFC9112-3.2-HOST-MISSING") + " HTTP/1.1\r\n\r\n"));
    c.add(reject400("RFC9112-3.2-HOST-DUPLICATE", "GET " + t("RFC9112-3.2-HOST-DUPLICATE")
        + " HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n"));
    c.add(reject400("RFC9112-3.2-HOST-DUPLICATE-SAME", "GET " + t("RFC9112-3.2-HOST-DUPLICATE-SAME")
        + " HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n"));
    c.add(reject400("RFC9112-3.2-HOST-INVALID-SPACE", "GET " + t("RFC9112-3.2-HOST-INVALID-SPACE")
        + " HTTP/1.1\r\nHost: exa mple.com\r\n\r\n"));
    c.add(reject400("RFC9112-3.2-HOST-INVALID-IPLITERAL", "GET " + t("RFC9112-3.2-HOST-INVALID-IPLITERAL")
        + " HTTP/1.1\r\nHost: [::1\r\n\r\n"));
    // RFC 9112 5.1: no whitespace between field name and colon.
    c.add(reject400("RFC9112-5.1-WS-BEFORE-COLON", get("RFC9112-5.1-WS-BEFORE-COLON", "X-A : b\r\n")));
    c.add(reject400("RFC9112-5.1-TAB-BEFORE-COLON", get("RFC9112-5.1-TAB-BEFORE-COLON", "X-A\t: b\r\n")));
    // RFC 9112 5.2: obs-fold rejected or replaced by SP.
    c.add(rejectOrNormalise("RFC9112-5.2-OBS-FOLD", get("RFC9112-5.2-OBS-FOLD", "X-Fold: a\r\n  folded\r\n"),
        "\r\n  folded"));
    // RFC 9112 2.2: bare CR invalid or replaced by SP; bare LF never forwarded.
    c.add(rejectOrNormalise("RFC9112-2.2-BARE-CR-IN-VALUE", get("RFC9112-2.2-BARE-CR-IN-VALUE", "X-A: b\rc\r\n"),
        "b\rc"));
    c.add(rejectOrNormalise("RFC9112-2.2-BARE-LF-HEADERS", "GET " + t("RFC9112-2.2-BARE-LF-HEADERS")
        + " HTTP/1.1\nHost: localhost\nX-Lf: 1\n\n", "X-Lf: 1\n"));
    c.add(rejectOrNormalise("RFC9112-2.2-BARE-LF-ONE-HEADER", get("RFC9112-2.2-BARE-LF-ONE-HEADER",
        "X-Lf1: 1\nX-Lf2: 2\r\n"), "1\nX-Lf2"));
    // RFC 9112 2.3: HTTP-version is case-sensitive, fixed syntax.
    c.add(reject("RFC9112-2.3-VERSION-LOWERCASE", "MUST", "GET " + t("RFC9112-2.3-VERSION-LOWERCASE")
        + " http/1.1\r\nHost: localhost\r\n\r\n", Set.of(400, 505), false));
    c.add(reject("RFC9112-2.3-VERSION-GARBAGE", "MUST", "GET " + t("RFC9112-2.3-VERSION-GARBAGE")
        + " HTTP/1.1x\r\nHost: localhost\r\n\r\n", Set.of(400, 505), false));
    c.add(reject("RFC9112-2.3-VERSION-NO-MINOR", "MUST", "GET " + t("RFC9112-2.3-VERSION-NO-MINOR")
        + " HTTP/1\r\nHost: localhost\r\n\r\n", Set.of(400, 505), false));
    c.add(reject("RFC9110-6.2-VERSION-2.0-TEXT", "SHOULD", "GET " + t("RFC9110-6.2-VERSION-2.0-TEXT")
        + " HTTP/2.0\r\nHost: localhost\r\n\r\n", Set.of(400, 505), false));
    c.add(new Cases.Named("RFC9110-6.2-VERSION-1.2", "MUST", v -> {
      String id = "RFC9110-6.2-VERSION-1.2";
      Exchange ex = exchange("GET " + t(id) + " HTTP/1.2\r\nHost: localhost\r\n\r\n");
      boolean ok = Set.of(200, 400, 505).contains(ex.firstStatus())
          && seen(id).stream().noneMatch(r -> r.version().equals("HTTP/1.2"));
      v.add(id, "MUST", ok, "HTTP/1.2 -> " + ex + "; upstream saw " + describe(seen(id))
          + " (processed as 1.1, 505 or 400; the proxy must forward its own version)");
    }));
    // RFC 9112 3: method is a token; the request line has exactly three parts.
    c.add(reject400("RFC9112-3-METHOD-NOT-TOKEN", "GE(T " + t("RFC9112-3-METHOD-NOT-TOKEN")
        + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    c.add(reject400("RFC9112-3-METHOD-AT", "G@T " + t("RFC9112-3-METHOD-AT") + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    c.add(reject400("RFC9112-3-METHOD-CTL", "G\u0001T " + t("RFC9112-3-METHOD-CTL")
        + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    c.add(reject("RFC9112-3-TARGET-SPACE", "SHOULD", "GET " + t("RFC9112-3-TARGET-SPACE")
        + " y HTTP/1.1\r\nHost: localhost\r\n\r\n", Set.of(400), false));
    c.add(reject("RFC9112-3-TARGET-CTL", "SHOULD", "GET " + t("RFC9112-3-TARGET-CTL")
        + "\u0001 HTTP/1.1\r\nHost: localhost\r\n\r\n", Set.of(400), false));
    c.add(reject("RFC9112-3-DOUBLE-SPACE", "SHOULD", "GET  " + t("RFC9112-3-DOUBLE-SPACE")
        + " HTTP/1.1\r\nHost: localhost\r\n\r\n", Set.of(400), false));
    // RFC 9112 3.2: request-target forms.
    c.add(new Cases.Named("RFC9112-3.2.2-ABSOLUTE-FORM", "MUST", v -> {
      String id = "RFC9112-3.2.2-ABSOLUTE-FORM";
      Exchange ex = exchange("GET http://example.com" + t(id) + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
      List<RecordingUpstream.Request> up = seen(id);
      boolean ok = ex.firstStatus() == 200 && up.size() == 1 && up.get(0).target().equals(t(id));
      v.add(id, "MUST", ok, "absolute-form accepted and forwarded in origin-form: " + ex + "; upstream saw "
          + describe(up));
    }));
    c.add(new Cases.Named("RFC9112-3.2.2-ABSOLUTE-FORM-HOST-MISMATCH", "MUST", v -> {
      String id = "RFC9112-3.2.2-ABSOLUTE-FORM-HOST-MISMATCH";
      Exchange ex = exchange("GET http://a.example" + t(id) + " HTTP/1.1\r\nHost: b.example\r\n\r\n");
      List<RecordingUpstream.Request> up = seen(id);
      boolean rejected = ex.firstStatus() == 400 && up.isEmpty();
      boolean hostFromTarget = ex.firstStatus() == 200 && up.size() == 1
          && "a.example".equals(up.get(0).header("host"));
      v.add(id, "MUST", rejected || hostFromTarget, "Host ignored in favour of the absolute-form authority: " + ex
          + "; upstream Host=" + (up.isEmpty() ? "-" : up.get(0).header("host")));
    }));
    c.add(reject("RFC9112-3.2.3-AUTHORITY-FORM-NOT-CONNECT", "MUST",
        "GET example.com:80 HTTP/1.1\r\nHost: example.com\r\nX-Id: " + t("RFC9112-3.2.3-AUTHORITY-FORM-NOT-CONNECT")
            + "\r\n\r\n", Set.of(400, 404), false));
    c.add(reject("RFC9112-3.2.4-ASTERISK-FORM-NOT-OPTIONS", "MUST",
        "GET * HTTP/1.1\r\nHost: localhost\r\n\r\n", Set.of(400, 404), false));
    // RFC 9112 6.1 / 6.3: Transfer-Encoding.
    c.add(new Cases.Named("RFC9112-6.1-CL-TE", "MUST", v -> {
      String id = "RFC9112-6.1-CL-TE";
      Exchange ex = exchange("POST " + t(id) + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
      List<RecordingUpstream.Request> up = seen(id);
      boolean rejected = ex.firstStatus() == 400 && ex.closed() && up.isEmpty();
      boolean teWins = ex.firstStatus() == 200 && ex.closed() && up.size() == 1 && up.get(0).anomalies().isEmpty()
          && up.get(0).bodyText().equals("hello");
      v.add(id, "MUST", rejected || teWins, (rejected ? "proxy REJECTS CL+TE with 400 and closes"
          : teWins ? "proxy lets TE win, re-frames, and closes after" : "neither: " + ex + " upstream "
          + describe(up)));
    }));
    c.add(reject400Close("RFC9112-6.3-TE-NOT-CHUNKED", "POST " + t("RFC9112-6.3-TE-NOT-CHUNKED")
        + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\nhello"));
    c.add(reject400Close("RFC9112-6.3-TE-CHUNKED-NOT-FINAL", "POST " + t("RFC9112-6.3-TE-CHUNKED-NOT-FINAL")
        + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
    c.add(new Cases.Named("RFC9112-6.1-TE-IN-HTTP10", "MUST", v -> {
      String id = "RFC9112-6.1-TE-IN-HTTP10";
      Exchange ex = exchange("POST " + t(id) + " HTTP/1.0\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
          + "Content-Length: 10\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
      List<RecordingUpstream.Request> up = seen(id);
      boolean ok = ex.closed() && up.stream().allMatch(r -> r.anomalies().isEmpty()) && ex.firstStatus() > 0;
      v.add(id, "MUST", ok, "framing treated as faulty and connection closed: " + ex + "; upstream " + describe(up));
    }));
    // RFC 9112 6.2 / 6.3: Content-Length.
    c.add(reject400Close("RFC9112-6.3-CL-DUPLICATE-DIFFERENT", "POST " + t("RFC9112-6.3-CL-DUPLICATE-DIFFERENT")
        + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"));
    c.add(reject400Close("RFC9112-6.3-CL-LIST-DIFFERENT", "POST " + t("RFC9112-6.3-CL-LIST-DIFFERENT")
        + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5, 6\r\n\r\nhello!"));
    for (String[] bad : new String[][] {{"PLUS", "+5"}, {"NEGATIVE", "-1"}, {"HEX", "0x10"},
        {"OVERFLOW", "99999999999999999999999"}, {"INNER-SPACE", "5 5"}, {"EMPTY", ""}}) {
      String id = "RFC9112-6.2-CL-" + bad[0];
      c.add(reject400Close(id, "POST " + t(id) + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + bad[1]
          + "\r\n\r\nhello"));
    }
    c.add(new Cases.Named("RFC9112-6.3-CL-DUPLICATE-SAME", "MUST", v -> {
      String id = "RFC9112-6.3-CL-DUPLICATE-SAME";
      Exchange ex = exchange("POST " + t(id) + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
          + "Content-Length: 5\r\n\r\nhello");
      List<RecordingUpstream.Request> up = seen(id);
      boolean rejected = ex.firstStatus() == 400 && up.isEmpty();
      boolean merged = ex.firstStatus() == 200 && up.size() == 1 && up.get(0).count("content-length") == 1
          && up.get(0).anomalies().isEmpty();
      v.add(id, "MUST", rejected || merged, "duplicate identical CL rejected or forwarded once: " + ex + "; upstream "
          + describe(up));
    }));
    // RFC 9112 7.1: chunked framing.
    String chunkedHead = " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (String[] bad : new String[][] {
        {"SIZE-OVERFLOW", "ffffffffffffffffffff1\r\nhello\r\n0\r\n\r\n"},
        {"SIZE-INVALID-HEX", "g\r\nhello\r\n0\r\n\r\n"},
        {"SIZE-0X-PREFIX", "0x5\r\nhello\r\n0\r\n\r\n"},
        {"SIZE-LEADING-SPACE", " 5\r\nhello\r\n0\r\n\r\n"},
        {"SIZE-NEGATIVE", "-5\r\nhello\r\n0\r\n\r\n"},
        {"EXT-BARE-LF", "5;a\nhello\r\n0\r\n\r\n"},
        {"EXT-BARE-CR", "5;a\rb\r\nhello\r\n0\r\n\r\n"},
        {"EXT-UNTERMINATED-QUOTE", "5;a=\"b\r\nhello\r\n0\r\n\r\n"},
        {"DATA-MISSING-CRLF", "5\r\nhelloXX0\r\n\r\n"},
        {"DATA-BARE-LF", "5\r\nhello\n0\r\n\r\n"},
        {"SIZE-LINE-BARE-LF", "5\nhello\r\n0\r\n\r\n"},
        {"LAST-CHUNK-BARE-LF", "5\r\nhello\r\n0\n\n"}}) {
      String id = "RFC9112-7.1-CHUNK-" + bad[0];
      c.add(new Cases.Named(id, "MUST", v -> {
        Exchange ex = exchange("POST " + t(id) + chunkedHead + bad[1]);
        List<RecordingUpstream.Request> up = seen(id);
        boolean ok = ex.firstStatus() == 400 && ex.closed()
            && up.stream().noneMatch(RecordingUpstream.Request::complete);
        v.add(id, "MUST", ok, "sent chunked body " + RecordingUpstream.printable(bad[1]) + " -> " + ex
            + "; upstream " + describe(up) + " (expected 400 + close, no complete request upstream)");
      }));
    }
    // RFC 9110 5.5 / RFC 9112 5: field syntax.
    c.add(reject400("RFC9110-5.5-NUL-IN-VALUE", get("RFC9110-5.5-NUL-IN-VALUE", "X-A: b\u0000c\r\n")));
    c.add(reject400("RFC9110-5.5-DEL-IN-NAME", get("RFC9110-5.5-DEL-IN-NAME", "X-\u007fA: b\r\n")));
    c.add(reject400("RFC9110-5.1-EMPTY-NAME", get("RFC9110-5.1-EMPTY-NAME", ": b\r\n")));
    c.add(reject400("RFC9110-5.1-NAME-PAREN", get("RFC9110-5.1-NAME-PAREN", "X(A): b\r\n")));
    c.add(reject400("RFC9110-5.1-NAME-SPACE", get("RFC9110-5.1-NAME-SPACE", "X A: b\r\n")));
    c.add(reject400("RFC9110-5.1-NAME-AT", get("RFC9110-5.1-NAME-AT", "X@A: b\r\n")));
    c.add(reject400("RFC9110-5.1-NAME-NUL", get("RFC9110-5.1-NAME-NUL", "X\u0000A: b\r\n")));
    c.add(reject400("RFC9112-5-NO-COLON", get("RFC9112-5-NO-COLON", "X-A b\r\n")));
    c.add(new Cases.Named("RFC9112-2.2-WS-BEFORE-FIRST-FIELD", "MUST", v -> {
      String id = "RFC9112-2.2-WS-BEFORE-FIRST-FIELD";
      Exchange ex = exchange("GET " + t(id) + " HTTP/1.1\r\n X-Sneaky: 1\r\nHost: localhost\r\n\r\n");
      List<RecordingUpstream.Request> up = seen(id);
      boolean ok = ex.firstStatus() == 400 && up.isEmpty()
          || ex.firstStatus() == 200 && up.size() == 1 && up.get(0).header("x-sneaky") == null;
      v.add(id, "MUST", ok, "whitespace-preceded line rejected or ignored: " + ex + "; upstream " + describe(up));
    }));
    // RFC 9112 3: request-target too long.
    c.add(new Cases.Named("RFC9112-3-LONG-TARGET-414", "MUST", v -> {
      String id = "RFC9112-3-LONG-TARGET-414";
      Exchange ex = exchange("GET " + t(id) + "?" + "a".repeat(70 * 1024) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
      v.add(id, "MUST", ex.firstStatus() == 414 && seen(id).isEmpty(), "70 KiB target -> " + ex
          + " (expected 414)");
    }));
    // RFC 9112 9.3: pipelining, responses in order.
    c.add(new Cases.Named("RFC9112-9.3.2-PIPELINE-ORDER", "MUST", v -> {
      String id = "RFC9112-9.3.2-PIPELINE-ORDER";
      Exchange ex = exchange(get(id + "-1", "") + get(id + "-2", "") + get(id + "-3", "Connection: close\r\n"));
      List<String> order = ex.responses().stream().map(Response::upstreamTarget).toList();
      boolean ok = order.equals(List.of(t(id + "-1"), t(id + "-2"), t(id + "-3"))) && ex.closed();
      v.add(id, "MUST", ok, "3 pipelined GETs -> " + order + (ex.closed() ? " +close" : ""));
    }));
    // RFC 9112 9.6: Connection: close.
    c.add(new Cases.Named("RFC9112-9.6-CONNECTION-CLOSE", "MUST", v -> {
      String id = "RFC9112-9.6-CONNECTION-CLOSE";
      Exchange ex = exchange(get(id, "Connection: close\r\n") + get(id + "-after", ""));
      boolean ok = ex.responses().size() == 1 && ex.firstStatus() == 200 && ex.closed()
          && seen(id + "-after").isEmpty();
      v.add(id, "MUST", ok, "close honoured, later pipelined request not processed: " + ex + "; upstream saw after="
          + seen(id + "-after").size());
    }));
    c.add(new Cases.Named("RFC9112-9.6-CONNECTION-CLOSE-ECHOED", "SHOULD", v -> {
      String id = "RFC9112-9.6-CONNECTION-CLOSE-ECHOED";
      Exchange ex = exchange(get(id, "Connection: close\r\n"));
      boolean ok = ex.first() != null && "close".equalsIgnoreCase(String.valueOf(ex.first().header("connection")));
      v.add(id, "SHOULD", ok, "response carries Connection: close: " + (ex.first() == null ? ex
          : ex.first().headers()));
    }));
    // RFC 9112 9.3: HTTP/1.0 persistence.
    c.add(new Cases.Named("RFC9112-9.3-HTTP10-CLOSES", "MUST", v -> {
      String id = "RFC9112-9.3-HTTP10-CLOSES";
      Exchange ex = exchange("GET " + t(id) + " HTTP/1.0\r\nHost: localhost\r\n\r\n");
      v.add(id, "MUST", (ex.firstStatus() == 200 || ex.firstStatus() == HTTP10_REFUSED) && ex.closed(),
          "HTTP/1.0 without keep-alive -> " + ex);
    }));
    c.add(new Cases.Named("RFC9112-9.3-HTTP10-KEEPALIVE-CONSISTENT", "MUST", v -> {
      String id = "RFC9112-9.3-HTTP10-KEEPALIVE-CONSISTENT";
      try (RawHttp1Client client = RawHttp1Client.connect(harness.address())) {
        client.send("GET " + t(id) + " HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n");
        Response r = client.readOne(READ, false);
        boolean keepAlive = r != null && "keep-alive".equalsIgnoreCase(String.valueOf(r.header("connection")));
        boolean ok;
        String detail;
        if (keepAlive) {
          client.send("GET " + t(id + "-2") + " HTTP/1.0\r\nHost: localhost\r\n\r\n");
          Response second = client.readOne(READ, false);
          ok = second != null && second.status() == 200 && client.awaitClosed(READ);
          detail = "kept alive (said so), second request " + second;
        } else {
          ok = r != null && (r.status() == 200 || r.status() == HTTP10_REFUSED) && client.awaitClosed(READ);
          detail = "closed after the response: " + r;
        }
        v.add(id, "MUST", ok, detail);
      }
    }));
    c.add(new Cases.Named("RFC9112-7.1-NO-CHUNKED-TO-HTTP10", "MUST", v -> {
      String id = "RFC9112-7.1-NO-CHUNKED-TO-HTTP10";
      Exchange ex = exchange("GET /chunked" + t(id) + " HTTP/1.0\r\nHost: localhost\r\n\r\n");
      boolean ok = ex.firstStatus() == 200 && !ex.first().hasHeader("transfer-encoding")
          && ex.first().bodyText().equals("hello")
          || ex.firstStatus() == HTTP10_REFUSED && !ex.first().hasHeader("transfer-encoding") && ex.closed();
      v.add(id, "MUST", ok, "chunked upstream response to an HTTP/1.0 client -> "
          + (ex.first() == null ? ex : ex.first().headers() + " body=" + ex.first().bodyText()));
    }));
    // RFC 9110 9.3.2, 15.3.5, 15.4.5: no body on HEAD, 204, 304.
    c.add(new Cases.Named("RFC9110-9.3.2-HEAD-NO-BODY", "MUST", v -> {
      String id = "RFC9110-9.3.2-HEAD-NO-BODY";
      try (RawHttp1Client client = RawHttp1Client.connect(harness.address())) {
        client.send("HEAD " + t(id) + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
            + get(id + "-next", "Connection: close\r\n"));
        Exchange ex = client.readAll(READ, true, false);
        boolean ok = ex.responses().size() == 2 && ex.responses().get(0).status() == 200
            && t(id + "-next").equals(ex.responses().get(1).upstreamTarget()) && ex.garbage().isEmpty();
        v.add(id, "MUST", ok, "HEAD then GET on one connection -> " + ex);
      }
    }));
    for (int code : new int[] {204, 304}) {
      String id = "RFC9110-15-STATUS-" + code + "-NO-BODY";
      c.add(new Cases.Named(id, "MUST", v -> {
        Exchange ex = exchange("GET /status/" + code + t(id) + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
            + get(id + "-next", "Connection: close\r\n"));
        boolean ok = ex.responses().size() == 2 && ex.responses().get(0).status() == code
            && !ex.responses().get(0).hasHeader("transfer-encoding")
            && (code != 204 || !ex.responses().get(0).hasHeader("content-length"))
            && t(id + "-next").equals(ex.responses().get(1).upstreamTarget()) && ex.garbage().isEmpty();
        v.add(id, "MUST", ok, code + " then GET -> " + ex + (ex.first() == null ? "" : " " + ex.first().headers()));
      }));
    }
    // RFC 9110 10.1.1: Expect: 100-continue.
    c.add(new Cases.Named("RFC9110-10.1.1-EXPECT-100", "MUST", v -> {
      String id = "RFC9110-10.1.1-EXPECT-100";
      try (RawHttp1Client client = RawHttp1Client.connect(harness.address())) {
        client.send("POST " + t(id) + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
            + "Expect: 100-continue\r\nConnection: close\r\n\r\n");
        Response interim = null;
        try {
          interim = client.readOne(Duration.ofSeconds(1), false);
        } catch (IOException e) {
          // no interim response within a second: the client sends the body anyway (RFC 9110 10.1.1)
        }
        client.send("hello");
        Exchange ex = client.readAll(READ);
        Response fin = interim != null && interim.status() >= 200 ? interim : ex.first();
        List<RecordingUpstream.Request> up = seen(id);
        boolean ok = fin != null && fin.status() == 200 && up.size() == 1 && up.get(0).bodyText().equals("hello");
        v.add(id, "MUST", ok, "interim=" + interim + ", final=" + fin + ", upstream body="
            + (up.isEmpty() ? "-" : up.get(0).bodyText()));
      }
    }));
    // RFC 9110 7.6.1: connection options nominate hop-by-hop fields that must be removed.
    c.add(new Cases.Named("RFC9110-7.6.1-CONNECTION-NOMINATED-REMOVED", "MUST", v -> {
      String id = "RFC9110-7.6.1-CONNECTION-NOMINATED-REMOVED";
      Exchange ex = exchange(get(id, "Connection: x-secret\r\nX-Secret: 1\r\n"));
      List<RecordingUpstream.Request> up = seen(id);
      boolean ok = ex.firstStatus() == 200 && up.size() == 1 && up.get(0).header("x-secret") == null
          && (up.get(0).header("connection") == null || !up.get(0).header("connection").contains("x-secret"));
      v.add(id, "MUST", ok, "upstream headers: " + (up.isEmpty() ? "-" : up.get(0).headers()));
    }));
    c.add(new Cases.Named("RFC9110-7.6.1-HOP-BY-HOP-STRIPPED", "SHOULD", v -> {
      String id = "RFC9110-7.6.1-HOP-BY-HOP-STRIPPED";
      Exchange ex = exchange(get(id, "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n"));
      List<RecordingUpstream.Request> up = seen(id);
      boolean ok = ex.firstStatus() == 200 && up.size() == 1 && up.get(0).header("keep-alive") == null
          && up.get(0).header("proxy-connection") == null;
      v.add(id, "SHOULD", ok, "upstream headers: " + (up.isEmpty() ? "-" : up.get(0).headers()));
    }));
    // Section 1.5 of the reference: a byte after a rejected request is never processed as a new request.
    c.add(new Cases.Named("SMUG-NOTHING-AFTER-REJECT", "MUST", v -> {
      String id = "SMUG-NOTHING-AFTER-REJECT";
      Exchange ex = exchange("POST " + t(id) + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
          + "Content-Length: 6\r\n\r\n" + get(id + "-smuggled", ""));
      boolean ok = ex.firstStatus() == 400 && seen(id + "-smuggled").isEmpty() && ex.closed();
      v.add(id, "MUST", ok, "rejected framing + pipelined request -> " + ex + "; smuggled seen upstream "
          + seen(id + "-smuggled").size());
    }));
    c.add(new Cases.Named("RFC9112-2.2-LEADING-CRLF-IGNORED", "SHOULD", v -> {
      String id = "RFC9112-2.2-LEADING-CRLF-IGNORED";
      Exchange ex = exchange("\r\n" + get(id, "Connection: close\r\n"));
      v.add(id, "SHOULD", ex.firstStatus() == 200, "empty line before the request line -> " + ex);
    }));
    return c;
  }

  @TestFactory
  Stream<DynamicTest> h1conf() {
    Verdicts verdicts = new Verdicts("h1conf").knownBugs(KNOWN_BUGS);
    Cases.runAll(verdicts, cases(), 6, 5, Map.of());
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> harness.upstream().quietFor(Duration.ofMillis(200)));
    verdicts.print("h1conf: " + verdicts.passed("MUST") + "/" + verdicts.total("MUST") + " MUST pass, "
        + verdicts.passed("SHOULD") + "/" + verdicts.total("SHOULD") + " SHOULD");
    return verdicts.tests();
  }
}
