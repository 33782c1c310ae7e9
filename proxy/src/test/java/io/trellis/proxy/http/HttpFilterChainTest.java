package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A filter registered through {@link HttpFilterRegistry} runs before the router, can reply, and sees responses. */
class HttpFilterChainTest {
  @Test
  void registeredFilterRunsRepliesAndSeesResponses() throws Exception {
    HttpFilterRegistry.register(new HttpFilterRegistry.Provider() {
      @Override
      public String name() {
        return "test.filters.http.gate";
      }

      @Override
      public String typeUrl() {
        return "type.googleapis.com/test.Gate";
      }

      @Override
      public HttpFilterFactory create(Any typedConfig, String path, FactoryContext context) {
        return () -> new HttpFilter() {
          @Override
          public Status onRequestHeaders(Callbacks cb, HttpRequest request) {
            if (request.headers().contains("x-deny")) {
              cb.sendLocalReply(403, null, "gate_denied", "denied by the gate");
              return Status.STOP;
            }
            request.headers().set("x-gate", "passed");
            return Status.CONTINUE;
          }

          @Override
          public void onResponseHeaders(Callbacks cb, HttpResponse response) {
            response.headers().set("x-gate-seen", Integer.toString(response.status().code()));
          }
        };
      }
    });
    try (TestHttpServer a = TestHttpServer.start("a", TestHttpServer.Protocol.HTTP1)) {
      String yaml = Configs.bootstrap("", Configs.ROUTES, Configs.clusters(a.port(), a.port()))
          .replace("http_filters:\n", "http_filters:\n" + indentOf(Configs.bootstrap("", "", Configs.clusters(1, 1)))
              + "- name: test.filters.http.gate\n");
      try (TestProxy proxy = TestProxy.start(yaml); TestHttpClient c = TestHttpClient.http1(proxy.port())) {
        TestHttpClient.Response ok = c.get("t", "/a/x");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.headers().get("x-gate-seen")).isEqualTo("200");
        assertThat(a.requests().poll(5, TimeUnit.SECONDS).headers().get("x-gate")).isEqualTo("passed");
        TestHttpClient.Response denied = c.send(HttpMethod.GET, "t", "/a/x", new DefaultHttpHeaders()
            .set("x-deny", "1"), -1, null);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("denied by the gate");
        assertThat(denied.headers().get("x-gate-seen")).isEqualTo("403");
        assertThat(a.requests().poll(200, TimeUnit.MILLISECONDS)).isNull();
      }
    }
  }

  private static String indentOf(String yaml) {
    return yaml.lines().filter(l -> l.trim().startsWith("- name: envoy.filters.http.router")).findFirst()
        .orElseThrow().replaceAll("-.*", "");
  }

  @Test
  void grpcStatusMapping() {
    assertThat(LocalReply.grpcStatus(404)).isEqualTo(12);
    assertThat(LocalReply.grpcStatus(503)).isEqualTo(14);
    assertThat(LocalReply.grpcStatus(504)).isEqualTo(4);
    assertThat(LocalReply.grpcStatus(403)).isEqualTo(7);
    assertThat(LocalReply.grpcStatus(418)).isEqualTo(2);
    assertThat(LocalReply.percentEncode("a%b\nc é")).isEqualTo("a%25b%0Ac %C3%A9");
  }
}
