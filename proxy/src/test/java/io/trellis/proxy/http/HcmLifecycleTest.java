package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.trellis.testkit.http.RawHttp;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Drain, connection and stream timeouts, and the header policies that come from config. */
class HcmLifecycleTest {
  static TestHttpServer a;
  static TestHttpServer b;

  @BeforeAll
  static void start() {
    a = TestHttpServer.start("a", TestHttpServer.Protocol.HTTP1);
    b = TestHttpServer.start("b", TestHttpServer.Protocol.HTTP1);
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
  }

  static TestProxy proxy(String hcmExtra) throws Exception {
    return TestProxy.start(Configs.bootstrap(hcmExtra, Configs.ROUTES, Configs.clusters(a.port(), b.port())));
  }

  @Test
  void drainFinishesInFlightStreamsThenCloses() throws Exception {
    try (TestProxy proxy = proxy("");
        TestHttpClient h1 = TestHttpClient.http1(proxy.port());
        TestHttpClient idle = TestHttpClient.http1(proxy.port());
        TestHttpClient h2 = TestHttpClient.h2c(proxy.port())) {
      assertThat(idle.get("t", "/a/warm").status()).isEqualTo(200);
      CompletableFuture<TestHttpClient.Response> r1 = h1.sendAsync(HttpMethod.GET, "t", "/delay/400",
          new DefaultHttpHeaders(), -1, null);
      CompletableFuture<TestHttpClient.Response> r2 = h2.sendAsync(HttpMethod.GET, "t", "/delay/400",
          new DefaultHttpHeaders(), -1, null);
      await().atMost(Duration.ofSeconds(5))
          .until(() -> proxy.gauge("http.ingress.downstream_rq_active") == 2);
      long t0 = System.nanoTime();
      proxy.state.startDraining();
      TestHttpClient.Response d1 = r1.get(10, TimeUnit.SECONDS);
      TestHttpClient.Response d2 = r2.get(10, TimeUnit.SECONDS);
      assertThat(d1.status()).isEqualTo(200);
      assertThat(d1.resetOrClosed()).isFalse();
      assertThat(d1.headers().get("connection")).isEqualTo("close");
      assertThat(d2.status()).isEqualTo(200);
      assertThat(d2.resetOrClosed()).isFalse();
      assertThat(h1.channel().closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(idle.channel().closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(h2.channel().closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      await().atMost(Duration.ofSeconds(5)).until(() -> proxy.gauge("http.ingress.downstream_cx_active") == 0);
      System.out.println("DRAIN: 2/2 in-flight completed (H1 + H2), 0 reset, 3/3 connections closed in " + ms
          + " ms, drain_close=" + proxy.counter("http.ingress.downstream_cx_drain_close"));
    }
  }

  @Test
  void streamIdleTimeoutIs408() throws Exception {
    try (TestProxy proxy = proxy("stream_idle_timeout: 0.3s");
        TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      TestHttpClient.Response r = c.get("t", "/delay/3000");
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.body()).isEqualTo("stream timeout");
      await().atMost(Duration.ofSeconds(5))
          .until(() -> proxy.counter("http.ingress.downstream_rq_idle_timeout") == 1);
    }
  }

  @Test
  void requestHeadersTimeoutClosesSlowClients() throws Exception {
    try (TestProxy proxy = proxy("request_headers_timeout: 0.3s")) {
      long t0 = System.nanoTime();
      RawHttp.Result r = RawHttp.exchange(proxy.port(), "GET /a/x HTTP/1.1\r\nHost: t\r\n", 5000);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(r.closed()).isTrue();
      assertThat(ms).isLessThan(3000);
      assertThat(proxy.counter("http.ingress.downstream_rq_header_timeout")).isEqualTo(1);
    }
  }

  @Test
  void idleConnectionsAreClosed() throws Exception {
    try (TestProxy proxy = proxy("common_http_protocol_options: {idle_timeout: 0.3s}");
        TestHttpClient c = TestHttpClient.http1(proxy.port());
        TestHttpClient c2 = TestHttpClient.h2c(proxy.port())) {
      assertThat(c.get("t", "/a/x").status()).isEqualTo(200);
      assertThat(c2.get("t", "/a/x").status()).isEqualTo(200);
      assertThat(c.channel().closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(c2.channel().closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(proxy.counter("http.ingress.downstream_cx_idle_timeout")).isEqualTo(2);
    }
  }

  @Test
  void underscoreHeadersRejectedOrDropped() throws Exception {
    try (TestProxy proxy = proxy("common_http_protocol_options: {headers_with_underscores_action: REJECT_REQUEST}")) {
      RawHttp.Result r = RawHttp.exchange(proxy.port(), "GET /a/x HTTP/1.1\r\nHost: t\r\nx_bad: 1\r\n\r\n", 5000);
      assertThat(r.status()).isEqualTo(400);
    }
    try (TestProxy proxy = proxy("common_http_protocol_options: {headers_with_underscores_action: DROP_HEADER}")) {
      a.requests().clear();
      RawHttp.Result r = RawHttp.exchange(proxy.port(),
          "GET /a/x HTTP/1.1\r\nHost: t\r\nx_bad: 1\r\nx-good: 2\r\nConnection: close\r\n\r\n", 5000);
      assertThat(r.status()).isEqualTo(200);
      var seen = a.requests().poll(5, TimeUnit.SECONDS);
      assertThat(seen.headers().contains("x_bad")).isFalse();
      assertThat(seen.headers().get("x-good")).isEqualTo("2");
    }
  }

  @Test
  void accessLogGetsEveryStreamWithFlags(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path log = dir.resolve("access.log");
    String extra = "access_log:\n- name: envoy.access_loggers.file\n  typed_config:\n"
        + "    \"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n"
        + "    path: " + log + "\n"
        + "    log_format: {text_format_source: {inline_string: \"%RESPONSE_CODE% %RESPONSE_FLAGS% "
        + "%RESPONSE_CODE_DETAILS% %REQ(:PATH)% %UPSTREAM_CLUSTER%\\n\"}}";
    try (TestProxy proxy = proxy(extra); TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      assertThat(c.get("t", "/a/logged").status()).isEqualTo(200);
      assertThat(c.get("t", "/nowhere").status()).isEqualTo(404);
      assertThat(c.get("t", "/dead").status()).isEqualTo(503);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(java.nio.file.Files.exists(log)
          ? java.nio.file.Files.readAllLines(log) : java.util.List.<String>of()).containsExactly(
          "200 - via_upstream /a/logged a",
          "404 NR route_not_found /nowhere -",
          "503 UF upstream_reset_before_response_started{connection_failure} /dead dead"));
    }
  }

  @Test
  void forwardedHeadersWithUseRemoteAddress() throws Exception {
    try (TestProxy proxy = proxy("use_remote_address: true\nserver_name: edge")) {
      a.requests().clear();
      RawHttp.Result r = RawHttp.exchange(proxy.port(), "GET /a/x HTTP/1.1\r\nHost: t\r\n"
          + "X-Forwarded-For: 203.0.113.7\r\nX-Request-Id: spoofed\r\nConnection: close\r\n\r\n", 5000);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.text()).containsIgnoringCase("server: edge");
      var seen = a.requests().poll(5, TimeUnit.SECONDS);
      assertThat(seen.headers().get("x-forwarded-for")).isEqualTo("203.0.113.7,127.0.0.1");
      assertThat(seen.headers().get("x-forwarded-proto")).isEqualTo("http");
      assertThat(seen.headers().get("x-request-id")).isNotEqualTo("spoofed").hasSize(36);
    }
  }
}
