package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 and HTTP/2 on both sides: H1->H2, H2->H2 and H2->H1->H2 keep bodies, trailers and gRPC status. */
class HcmTranslationTest {
  static final long BODY = 8L * 1024 * 1024;
  static TestHttpServer a;
  static TestHttpServer h2;
  static TestProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    a = TestHttpServer.start("a", TestHttpServer.Protocol.HTTP1);
    h2 = TestHttpServer.start("h2", TestHttpServer.Protocol.H2C);
    proxy = TestProxy.start(Configs.bootstrap("", Configs.ROUTES, Configs.clusters(a.port(), a.port(), h2.port())));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    a.close();
    h2.close();
  }

  @Test
  void bothDownstreamProtocolsToAnHttp2Upstream() throws Exception {
    String want = TestHttpClient.patternSha256(BODY);
    for (boolean downH2 : new boolean[] {false, true}) {
      h2.requests().clear();
      try (TestHttpClient c = downH2 ? TestHttpClient.h2c(proxy.port()) : TestHttpClient.http1(proxy.port())) {
        TestHttpClient.Response hello = c.get("svc.test", "/h2/hello");
        assertThat(hello.status()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello from h2 GET /hello");
        TestHttpServer.RecordedRequest seen = h2.requests().poll(5, TimeUnit.SECONDS);
        assertThat(seen.protocol()).isEqualTo("HTTP/2");
        assertThat(seen.headers().get("host")).isEqualTo("svc.test");
        assertThat(seen.headers().contains("connection")).isFalse();

        TestHttpClient.Response echo = c.send(HttpMethod.POST, "svc.test", "/h2/echo", new DefaultHttpHeaders(),
            BODY, new DefaultHttpHeaders().set("x-req-trailer", "t1"));
        assertThat(echo.bodySha256()).isEqualTo(want);
        assertThat(echo.trailers().get("x-req-trailer")).isEqualTo("t1");
        assertThat(echo.trailers().get("x-body-bytes")).isEqualTo(Long.toString(BODY));

        HttpHeaders grpc = new DefaultHttpHeaders().set("content-type", "application/grpc").set("te", "trailers");
        TestHttpClient.Response t = c.send(HttpMethod.POST, "svc.test", "/h2/trailers", grpc, 5, null);
        assertThat(t.trailers().get("grpc-status")).isEqualTo("0");
        TestHttpClient.Response only = c.send(HttpMethod.POST, "svc.test", "/h2/trailers-only", grpc, 5, null);
        assertThat(only.headers().get("grpc-status")).isEqualTo("5");
        System.out.println("TRANSLATE-" + (downH2 ? "H2" : "H1") + "->H2: 8 MiB echo digest ok, request and "
            + "response trailers kept, grpc-status kept (trailers and trailers-only)");
      }
    }
  }

  @Test
  void upstreamResetOnHttp2AffectsOnlyItsStream() throws Exception {
    try (TestHttpClient c = TestHttpClient.h2c(proxy.port())) {
      var slow = c.sendAsync(HttpMethod.GET, "svc.test", "/h2/delay/300", new DefaultHttpHeaders(), -1, null);
      TestHttpClient.Response reset = c.get("svc.test", "/h2/reset");
      assertThat(reset.status()).isEqualTo(503);
      TestHttpClient.Response partial = c.get("svc.test", "/h2/partial");
      assertThat(partial.resetOrClosed()).isTrue();
      assertThat(slow.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(c.get("svc.test", "/h2/again").status()).isEqualTo(200);
    }
  }
}
