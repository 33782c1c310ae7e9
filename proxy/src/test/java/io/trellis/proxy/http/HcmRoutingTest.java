package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routing, local replies with their flags, timeouts and stats, over real sockets with HTTP/1.1 and h2c clients. */
class HcmRoutingTest {
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
  void routesToTwoClustersWithPrefixRewrite() throws Exception {
    try (TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      TestHttpClient.Response ra = c.get("svc.test", "/a/hello");
      TestHttpClient.Response rb = c.get("svc.test", "/b/hello");
      assertThat(ra.status()).isEqualTo(200);
      assertThat(ra.headers().get("x-server")).isEqualTo("a");
      assertThat(ra.body()).isEqualTo("hello from a GET /hello");
      assertThat(rb.headers().get("x-server")).isEqualTo("b");
      assertThat(ra.headers().get("server")).isEqualTo("trellis");
      assertThat(ra.headers().get("x-envoy-upstream-service-time")).matches("\\d+");
    }
    TestHttpServer.RecordedRequest seen = lastRequest(a);
    assertThat(seen.uri()).isEqualTo("/hello");
    assertThat(seen.headers().get("x-request-id")).hasSize(36);
    assertThat(seen.headers().get("x-forwarded-proto")).isEqualTo("http");
    assertThat(seen.headers().get("host")).isEqualTo("svc.test");
  }

  @Test
  void headerRouteAndWeightedSplit() {
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      HttpHeaders h = new DefaultHttpHeaders().set("x-route", "b");
      TestHttpClient.Response r = c.send(HttpMethod.GET, "svc.test", "/a/x", h, -1, null);
      assertThat(r.headers().get("x-server")).isEqualTo("b");
      int toA = 0;
      int n = 200;
      for (int i = 0; i < n; i++) {
        if ("a".equals(c.get("svc.test", "/split").headers().get("x-server"))) {
          toA++;
        }
      }
      System.out.println("WEIGHTED-SPLIT: " + toA + "/" + n + " to a (50/50 configured)");
      assertThat(toA).isBetween(60, 140);
    }
  }

  @Test
  void noRouteIs404WithNrFlag() {
    long before = proxy.counter("http.ingress.no_route");
    try (TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      TestHttpClient.Response r = c.get("svc.test", "/nothing/here");
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.body()).contains("no route");
      // keep-alive survives a local reply
      assertThat(c.get("svc.test", "/a/again").status()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.counter("http.ingress.no_route") == before + 1);
  }

  @Test
  void upstreamFailuresAre503WithFlags() {
    long uhBefore = proxy.counter("http.ingress.response_flag.no_healthy_upstream");
    long ufBefore = proxy.counter("http.ingress.response_flag.upstream_connection_failure");
    long ncBefore = proxy.counter("http.ingress.response_flag.no_cluster_found");
    try (TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      TestHttpClient.Response uh = c.get("svc.test", "/empty");
      assertThat(uh.status()).isEqualTo(503);
      assertThat(uh.body()).contains("no healthy upstream");
      TestHttpClient.Response uf = c.get("svc.test", "/dead");
      assertThat(uf.status()).isEqualTo(503);
      assertThat(uf.body()).contains("connection failure");
      TestHttpClient.Response nc = c.get("svc.test", "/missing");
      assertThat(nc.status()).isEqualTo(503);
      assertThat(nc.body()).contains("cluster 'nope' does not exist");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.counter("http.ingress.no_cluster") >= 1);
    // Why each 503 happened is counted by flag, so /stats answers it without the access log.
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(proxy.counter("http.ingress.response_flag.no_healthy_upstream")).isEqualTo(uhBefore + 1);
      assertThat(proxy.counter("http.ingress.response_flag.upstream_connection_failure")).isEqualTo(ufBefore + 1);
      assertThat(proxy.counter("http.ingress.response_flag.no_cluster_found")).isEqualTo(ncBefore + 1);
    });
  }

  @Test
  void routeTimeoutIs504() {
    long before = proxy.counter("cluster.a.upstream_rq_timeout");
    try (TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      long t0 = System.nanoTime();
      TestHttpClient.Response r = c.get("svc.test", "/slow/delay/3000");
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      System.out.println("ROUTE-TIMEOUT: 504 after " + ms + " ms (timeout 300 ms)");
      assertThat(r.status()).isEqualTo(504);
      assertThat(r.body()).isEqualTo("upstream request timeout");
      assertThat(ms).isBetween(250L, 2500L);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.counter("cluster.a.upstream_rq_timeout") == before + 1);
  }

  @Test
  void grpcRequestsGetGrpcErrors() {
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      HttpHeaders h = new DefaultHttpHeaders().set("content-type", "application/grpc").set("te", "trailers");
      TestHttpClient.Response nr = c.send(HttpMethod.POST, "svc.test", "/nothing", h, 5, null);
      assertThat(nr.status()).isEqualTo(200);
      assertThat(nr.headers().get("grpc-status")).isEqualTo("12");
      TestHttpClient.Response uf = c.send(HttpMethod.POST, "svc.test", "/dead", h, 5, null);
      assertThat(uf.headers().get("grpc-status")).isEqualTo("14");
      assertThat(uf.headers().get("grpc-message")).contains("connection failure");
      TestHttpClient.Response ut = c.send(HttpMethod.POST, "svc.test", "/slow/delay/3000", h, 5, null);
      assertThat(ut.headers().get("grpc-status")).isEqualTo("4");
    }
  }

  @Test
  void statsCountRequestsAndResponses() {
    long rq = proxy.counter("http.ingress.downstream_rq_total");
    long ok = proxy.counter("http.ingress.downstream_rq_2xx");
    long up = proxy.counter("cluster.b.upstream_rq_200");
    try (TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      for (int i = 0; i < 3; i++) {
        assertThat(c.get("svc.test", "/b/s").status()).isEqualTo(200);
      }
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(proxy.counter("http.ingress.downstream_rq_total")).isGreaterThanOrEqualTo(rq + 3);
      assertThat(proxy.counter("http.ingress.downstream_rq_2xx")).isGreaterThanOrEqualTo(ok + 3);
      assertThat(proxy.counter("cluster.b.upstream_rq_200")).isGreaterThanOrEqualTo(up + 3);
    });
    assertThat(proxy.stats.histogram("http.ingress.downstream_rq_time").cumulative().getTotalCount())
        .isGreaterThanOrEqualTo(3);
  }

  static TestHttpServer.RecordedRequest lastRequest(TestHttpServer s) throws InterruptedException {
    TestHttpServer.RecordedRequest r = null;
    TestHttpServer.RecordedRequest next;
    while ((next = s.requests().poll(r == null ? 5 : 0, TimeUnit.SECONDS)) != null) {
      r = next;
    }
    return r;
  }
}
