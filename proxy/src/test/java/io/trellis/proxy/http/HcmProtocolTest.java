package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.trellis.testkit.http.RawHttp;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 framing rules and bad traffic (each case with its status, never forwarded), HTTP/2 stream errors,
 * keep-alive and pipelining, 100-continue, websocket, and upstreams that misbehave.
 */
class HcmProtocolTest {
  static TestHttpServer a;
  static TestHttpServer b;
  static TestProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    a = TestHttpServer.start("a", TestHttpServer.Protocol.HTTP1);
    b = TestHttpServer.start("b", TestHttpServer.Protocol.HTTP1);
    proxy = TestProxy.start(Configs.bootstrap("", Configs.ROUTES, Configs.clusters(a.port(), b.port())));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    a.close();
    b.close();
  }

  @Test
  void malformedHttp1IsRejectedAndNeverForwarded() throws Exception {
    String big = "x".repeat(70 * 1024);
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 101; i++) {
      many.append("x-h").append(i).append(": v\r\n");
    }
    Map<String, Object[]> cases = new LinkedHashMap<>();
    cases.put("CL+TE", new Object[] {"POST /status/200 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400});
    cases.put("duplicate CL", new Object[] {"POST /status/200 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
        + "Content-Length: 6\r\n\r\nhello!", 400});
    cases.put("duplicate equal CL", new Object[] {"POST /status/200 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
        + "Content-Length: 5\r\n\r\nhello", 400});
    cases.put("bad chunk size", new Object[] {"POST /status/200 HTTP/1.1\r\nHost: t\r\n"
        + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400});
    cases.put("TE not chunked", new Object[] {"POST /status/200 HTTP/1.1\r\nHost: t\r\n"
        + "Transfer-Encoding: gzip\r\n\r\nhello", 400});
    cases.put("bare LF", new Object[] {"GET /status/200 HTTP/1.1\nHost: t\n\n", 400});
    cases.put("bare CR in value", new Object[] {"GET /status/200 HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n", 400});
    cases.put("space before colon", new Object[] {"GET /status/200 HTTP/1.1\r\nHost : t\r\n\r\n", 400});
    cases.put("invalid name char", new Object[] {"GET /status/200 HTTP/1.1\r\nHost: t\r\nX(y): 1\r\n\r\n", 400});
    cases.put("NUL in value", new Object[] {"GET /status/200 HTTP/1.1\r\nHost: t\r\nX-A: a\u0000b\r\n\r\n", 400});
    cases.put("no Host", new Object[] {"GET /status/200 HTTP/1.1\r\n\r\n", 400});
    cases.put("headers too large", new Object[] {"GET /status/200 HTTP/1.1\r\nHost: t\r\nX-Big: " + big
        + "\r\n\r\n", 431});
    cases.put("too many headers", new Object[] {"GET /status/200 HTTP/1.1\r\nHost: t\r\n" + many + "\r\n", 431});
    cases.put("request line too long", new Object[] {"GET /" + big + " HTTP/1.1\r\nHost: t\r\n\r\n", 414});
    a.requests().clear();
    int ok = 0;
    for (var e : cases.entrySet()) {
      RawHttp.Result r = RawHttp.exchange(proxy.port(), (String) e.getValue()[0], 5000);
      int want = (Integer) e.getValue()[1];
      assertThat(r.status()).as(e.getKey() + ": " + r.text()).isEqualTo(want);
      assertThat(r.closed()).as(e.getKey() + " closes the connection").isTrue();
      ok++;
    }
    assertThat(a.requests()).as("nothing malformed reached the upstream").isEmpty();
    System.out.println("H1-MALFORMED: " + ok + "/" + cases.size() + " rejected with the expected status and closed, "
        + "0 forwarded");
  }

  @Test
  void obsFoldIsRejectedNotForwarded() throws Exception {
    a.requests().clear();
    // Folded in one write, and split right after the LF that the fold follows (the check must see both).
    for (String[] parts : new String[][] {
        {"GET /status/200 HTTP/1.1\r\nHost: t\r\nX-Fold: one\r\n two\r\n\r\n"},
        {"GET /status/200 HTTP/1.1\r\nHost: t\r\nX-Fold: one\r\n", "\ttwo\r\n\r\n"}}) {
      RawHttp.Result r = RawHttp.exchange(proxy.port(), String.join("", parts), 5000);
      assertThat(r.status()).isEqualTo(400);
    }
    assertThat(a.requests().poll(300, java.util.concurrent.TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void malformedHttp2IsResetWithProtocolError() {
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      Map<String, Http2Headers> cases = new LinkedHashMap<>();
      cases.put("uppercase name", base().add("X-Upper", "1"));
      cases.put("connection header", base().add("connection", "keep-alive"));
      cases.put("transfer-encoding", base().add("transfer-encoding", "chunked"));
      cases.put("te not trailers", base().add("te", "gzip"));
      cases.put("unknown pseudo-header", base().add(":bogus", "1"));
      cases.put("missing :path", new DefaultHttp2Headers(false).method("GET").scheme("http").authority("t"));
      int ok = 0;
      for (var e : cases.entrySet()) {
        String got = c.rawH2(e.getValue(), null);
        assertThat(got).as(e.getKey()).isEqualTo("reset:PROTOCOL_ERROR");
        ok++;
      }
      String cl = c.rawH2(new DefaultHttp2Headers(false).method("POST").path("/status/200").scheme("http")
          .authority("t").add("content-length", "10"), "12345".getBytes(StandardCharsets.US_ASCII));
      assertThat(cl).as("content-length mismatch").isEqualTo("reset:PROTOCOL_ERROR");
      ok++;
      // The connection survives stream errors.
      assertThat(c.get("t", "/a/fine").status()).isEqualTo(200);
      System.out.println("H2-MALFORMED: " + ok + "/" + (cases.size() + 1) + " reset with PROTOCOL_ERROR, "
          + "connection kept");
    }
  }

  @Test
  void http2HeaderLimitsAre431() {
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      Http2Headers many = base();
      for (int i = 0; i < 101; i++) {
        many.add("x-h" + i, "v");
      }
      assertThat(c.rawH2(many, null)).isEqualTo("status:431");
      Http2Headers atLimit = base();
      for (int i = 0; i < 90; i++) {
        atLimit.add("x-h" + i, "v");
      }
      assertThat(c.rawH2(atLimit, null)).isEqualTo("status:200");
      assertThat(c.rawH2(base().add("x-big", "x".repeat(70 * 1024)), null)).isEqualTo("status:431");
      assertThat(c.get("t", "/a/fine").status()).isEqualTo(200);
    }
  }

  private static Http2Headers base() {
    return new DefaultHttp2Headers(false).method("GET").path("/status/200").scheme("http").authority("t");
  }

  @Test
  void keepAliveAndPipelining() {
    long cx = proxy.counter("http.ingress.downstream_cx_total");
    try (TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      for (int i = 0; i < 5; i++) {
        assertThat(c.get("t", "/a/k" + i).body()).isEqualTo("hello from a GET /k" + i);
      }
    }
    assertThat(proxy.counter("http.ingress.downstream_cx_total")).isEqualTo(cx + 1);
    RawHttp.Result r = RawHttp.exchange(proxy.port(), "GET /a/one HTTP/1.1\r\nHost: t\r\n\r\n"
        + "GET /b/two HTTP/1.1\r\nHost: t\r\n\r\nGET /a/three HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5000);
    assertThat(r.responses()).isEqualTo(3);
    int one = r.text().indexOf("hello from a GET /one");
    int two = r.text().indexOf("hello from b GET /two");
    int three = r.text().indexOf("hello from a GET /three");
    assertThat(one).isPositive().isLessThan(two);
    assertThat(two).isLessThan(three);
    assertThat(r.closed()).isTrue();
  }

  @Test
  void headResponsesHaveNoBodyAndKeepFraming() {
    RawHttp.Result r = RawHttp.exchange(proxy.port(), "HEAD /bytes/1000 HTTP/1.1\r\nHost: t\r\n\r\n"
        + "GET /a/after-head HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5000);
    assertThat(r.responses()).isEqualTo(2);
    String first = r.text().substring(0, r.text().indexOf("HTTP/1.1 ", 1));
    assertThat(first).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: 1000").endsWith("\r\n\r\n");
    assertThat(r.text()).contains("hello from a GET /after-head");
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      TestHttpClient.Response h = c.send(HttpMethod.HEAD, "t", "/bytes/1000", new DefaultHttpHeaders(), -1, null);
      assertThat(h.status()).isEqualTo(200);
      assertThat(h.bodyBytes()).isZero();
      assertThat(c.get("t", "/a/after").status()).isEqualTo(200);
    }
  }

  @Test
  void expectContinueAnsweredByTheProxy() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(("POST /echo/c HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(readUntil(in, "\r\n\r\n")).startsWith("HTTP/1.1 100 Continue");
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // Read up to the echoed body itself: a terminator like "0\r\n" also ends "x-envoy-upstream-service-time: 0".
      String resp = readUntil(in, "hello");
      assertThat(resp).startsWith("HTTP/1.1 200").contains("hello");
    }
  }

  @Test
  void websocketUpgradeBecomesABytePipe() throws Exception {
    long before = proxy.counter("http.ingress.downstream_cx_upgrades_total");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(("GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = readUntil(in, "\r\n\r\n");
      assertThat(head).startsWith("HTTP/1.1 101").containsIgnoringCase("upgrade: websocket");
      for (String msg : new String[] {"frame-one", "frame-two-longer"}) {
        out.write(msg.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(readExactly(in, msg.length())).isEqualTo(msg);
      }
    }
    assertThat(proxy.counter("http.ingress.downstream_cx_upgrades_total")).isEqualTo(before + 1);
  }

  @Test
  void upgradeOnNonWebsocketRouteIsStripped() throws Exception {
    a.requests().clear();
    RawHttp.Result r = RawHttp.exchange(proxy.port(), "GET /a/x HTTP/1.1\r\nHost: t\r\nUpgrade: h2c\r\n"
        + "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nConnection: close\r\n\r\n", 5000);
    assertThat(r.status()).isEqualTo(200);
    var seen = a.requests().poll(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(seen.headers().contains("upgrade")).isFalse();
    assertThat(seen.headers().contains("http2-settings")).isFalse();
  }

  @Test
  void misbehavingUpstreamsAffectOnlyTheirStream() throws Exception {
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      CompletableFuture<TestHttpClient.Response> slow = c.sendAsync(HttpMethod.GET, "t", "/delay/300",
          new DefaultHttpHeaders(), -1, null);
      TestHttpClient.Response reset = c.get("t", "/reset");
      assertThat(reset.status()).isEqualTo(503);
      assertThat(reset.body()).contains("connection_termination");
      TestHttpClient.Response garbage = c.get("t", "/garbage");
      assertThat(garbage.status()).isEqualTo(502);
      TestHttpClient.Response partial = c.get("t", "/partial");
      assertThat(partial.status()).isEqualTo(200);
      assertThat(partial.resetOrClosed()).isTrue();
      assertThat(partial.bodyBytes()).isLessThan(100);
      TestHttpClient.Response ok = slow.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.resetOrClosed()).isFalse();
      assertThat(c.get("t", "/a/after").status()).isEqualTo(200);
    }
    try (TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      TestHttpClient.Response partial = c.get("t", "/partial");
      assertThat(partial.resetOrClosed()).isTrue();
    }
  }

  static String readUntil(InputStream in, String end) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (!out.toString(StandardCharsets.ISO_8859_1).contains(end)) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      out.write(b);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  static String readExactly(InputStream in, int n) throws Exception {
    byte[] buf = in.readNBytes(n);
    return new String(buf, StandardCharsets.ISO_8859_1);
  }
}
