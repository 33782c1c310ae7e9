package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Clients that go away or abuse HTTP/2: the proxy cleans up and keeps serving others. */
class HcmAbuseTest {
  static TestHttpServer a;
  static TestProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    a = TestHttpServer.start("a", TestHttpServer.Protocol.HTTP1);
    proxy = TestProxy.start(Configs.bootstrap("", Configs.ROUTES, Configs.clusters(a.port(), a.port())));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    a.close();
  }

  @Test
  void clientLeavingMidResponseReleasesTheStream() throws Exception {
    long resets = proxy.counter("http.ingress.downstream_rq_rx_reset");
    for (boolean h2 : new boolean[] {false, true}) {
      TestHttpClient c = h2 ? TestHttpClient.h2c(proxy.port()) : TestHttpClient.http1(proxy.port());
      CompletableFuture<TestHttpClient.Response> big = c.sendAsync(HttpMethod.GET, "t", "/bytes/" + (256 << 20),
          new DefaultHttpHeaders(), -1, null);
      await().atMost(Duration.ofSeconds(5)).until(() -> proxy.gauge("http.ingress.downstream_rq_active") == 1);
      c.close();
      assertThat(big.get(5, TimeUnit.SECONDS).resetOrClosed()).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> proxy.gauge("http.ingress.downstream_rq_active") == 0);
    }
    assertThat(proxy.counter("http.ingress.downstream_rq_rx_reset")).isEqualTo(resets + 2);
    try (TestHttpClient c = TestHttpClient.http1(proxy.port())) {
      assertThat(c.get("t", "/a/still-fine").status()).isEqualTo(200);
    }
  }

  @Test
  void rapidResetFloodClosesTheConnectionOnly() throws Exception {
    try (TestHttpClient attacker = TestHttpClient.h2c(proxy.port());
        TestHttpClient victim = TestHttpClient.h2c(proxy.port())) {
      int sent = 0;
      for (int i = 0; i < 1000 && attacker.channel().isActive(); i++) {
        var opened = new Http2StreamChannelBootstrap(attacker.channel())
            .handler(new ChannelInboundHandlerAdapter()).open().await();
        if (!opened.isSuccess()) {
          break;
        }
        Http2StreamChannel s = opened.getNow();
        s.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").path("/delay/1000")
            .scheme("http").authority("t"), false)).await();
        s.close().await();
        sent++;
      }
      assertThat(attacker.channel().closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
      System.out.println("H2-RAPID-RESET: connection closed; " + sent
          + " HEADERS+RST_STREAM pairs sent before the client saw it "
          + "(limit 200 per 30 s); victim connection unaffected");
      assertThat(victim.get("t", "/a/victim").status()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.gauge("http.ingress.downstream_rq_active") == 0);
  }
}
