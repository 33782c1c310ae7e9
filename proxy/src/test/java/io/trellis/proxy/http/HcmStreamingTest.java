package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Large bodies both ways with backpressure, trailers, H2 to H1 translation. */
class HcmStreamingTest {
  static final long BIG = 64L * 1024 * 1024;
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
  void largeDownloadH1AndH2StreamedNotBuffered() {
    String want = TestHttpClient.patternSha256(BIG);
    for (boolean h2 : new boolean[] {false, true}) {
      try (TestHttpClient c = h2 ? TestHttpClient.h2c(proxy.port()) : TestHttpClient.http1(proxy.port())) {
        long[] peak = new long[1];
        long t0 = System.nanoTime();
        TestHttpClient.Response r = withPeakPooledMemory(() -> c.get("svc.test", "/bytes/" + BIG), peak);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyBytes()).isEqualTo(BIG);
        assertThat(r.bodySha256()).isEqualTo(want);
        System.out.printf("BODY-DOWN-%s: 64 MiB in %d ms, digest ok, peak buffer memory %d MiB%n",
            h2 ? "H2" : "H1", ms, peak[0] >> 20);
        assertThat(peak[0]).isLessThan(32L * 1024 * 1024);
      }
    }
  }

  @Test
  void largeUploadEchoedBackH1AndH2() {
    String want = TestHttpClient.patternSha256(BIG);
    for (boolean h2 : new boolean[] {false, true}) {
      try (TestHttpClient c = h2 ? TestHttpClient.h2c(proxy.port()) : TestHttpClient.http1(proxy.port())) {
        long[] peak = new long[1];
        long t0 = System.nanoTime();
        TestHttpClient.Response r = withPeakPooledMemory(() -> c.send(HttpMethod.POST, "svc.test", "/echo",
            new DefaultHttpHeaders(), BIG, null), peak);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.bodyBytes()).isEqualTo(BIG);
        assertThat(r.bodySha256()).isEqualTo(want);
        assertThat(r.trailers().get("x-body-bytes")).isEqualTo(Long.toString(BIG));
        System.out.printf("BODY-ECHO-%s: 64 MiB up and down in %d ms, digest ok, peak buffer memory %d MiB%n",
            h2 ? "H2" : "H1", ms, peak[0] >> 20);
        assertThat(peak[0]).isLessThan(32L * 1024 * 1024);
      }
    }
  }

  @Test
  void responseTrailersSurviveH1AndH2() {
    for (boolean h2 : new boolean[] {false, true}) {
      try (TestHttpClient c = h2 ? TestHttpClient.h2c(proxy.port()) : TestHttpClient.http1(proxy.port())) {
        HttpHeaders h = new DefaultHttpHeaders().set("content-type", "application/grpc").set("te", "trailers");
        TestHttpClient.Response r = c.send(HttpMethod.POST, "svc.test", "/trailers", h, 5, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        assertThat(r.trailers().get("grpc-status")).isEqualTo("0");
        assertThat(r.trailers().get("grpc-message")).isEqualTo("ok");
      }
    }
  }

  @Test
  void requestTrailersReachTheUpstream() throws Exception {
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      HttpHeaders trailers = new DefaultHttpHeaders().set("x-checksum", "abc");
      TestHttpClient.Response r = c.send(HttpMethod.POST, "svc.test", "/echo/t", new DefaultHttpHeaders(), 1000,
          trailers);
      assertThat(r.trailers().get("x-checksum")).isEqualTo("abc");
      assertThat(r.bodyBytes()).isEqualTo(1000);
    }
  }

  @Test
  void headersOnlyGrpcResponseStaysTrailersOnly() {
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      HttpHeaders h = new DefaultHttpHeaders().set("content-type", "application/grpc").set("te", "trailers");
      TestHttpClient.Response r = c.send(HttpMethod.POST, "svc.test", "/trailers-only", h, 5, null);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers().get("grpc-status")).isEqualTo("5");
      assertThat(r.bodyBytes()).isZero();
    }
  }

  @Test
  void h2DownstreamBecomesCleanH1Upstream() throws Exception {
    a.requests().clear();
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      HttpHeaders h = new DefaultHttpHeaders().set("te", "trailers").set("x-custom", "1");
      TestHttpClient.Response r = c.send(HttpMethod.GET, "svc.test:8080", "/a/path?q=1", h, -1, null);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers().get("x-server")).isEqualTo("a");
    }
    TestHttpServer.RecordedRequest seen = a.requests().poll(5, TimeUnit.SECONDS);
    assertThat(seen.protocol()).isEqualTo("HTTP/1.1");
    assertThat(seen.uri()).isEqualTo("/path?q=1");
    assertThat(seen.headers().get("host")).isEqualTo("svc.test:8080");
    assertThat(seen.headers().get("te")).isEqualTo("trailers");
    assertThat(seen.headers().get("x-custom")).isEqualTo("1");
    assertThat(seen.headers().names()).noneMatch(n -> n.startsWith("x-http2-"));
  }

  /** Runs {@code body} while sampling Netty's default allocator every 2 ms; the peak lands in {@code peak[0]}. */
  static <T> T withPeakPooledMemory(Supplier<T> body, long[] peak) {
    AtomicLong max = new AtomicLong();
    ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor();
    s.scheduleAtFixedRate(() -> {
      var m = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
      max.accumulateAndGet(m.usedDirectMemory() + m.usedHeapMemory(), Math::max);
    }, 0, 2, TimeUnit.MILLISECONDS);
    try {
      return body.get();
    } finally {
      s.shutdownNow();
      peak[0] = max.get();
    }
  }
}
