package io.trellis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.cli.demo.Demo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo the README starts with: weighted split, header route and admin, over real sockets. */
class DemoTest {
  @TempDir
  static Path dir;
  static Demo demo;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    demo = Demo.start(0, 0, dir);
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  private static HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + demo.proxyAddress().getPort() + path)).timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void weightedSplitSendsAboutOneInFiveToV2() throws Exception {
    int n = 400;
    int v2 = 0;
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = get("/reviews/" + i);
      assertThat(r.statusCode()).isEqualTo(200);
      if (r.headers().firstValue("x-served-by").orElseThrow().equals("reviews-v2")) {
        v2++;
      }
    }
    // 20% of 400 is 80; a binomial 99.99% interval is roughly 80 +/- 31.
    System.out.println("demo-split: " + v2 + "/" + n + " to v2 (expected about 20%)");
    assertThat(v2).isBetween(49, 111);
  }

  @Test
  void headerRoutePinsV2AndRequestIdIsAdded() throws Exception {
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get("/reviews/1", "x-version", "v2");
      assertThat(r.headers().firstValue("x-served-by")).contains("reviews-v2");
      assertThat(r.body()).contains("\"x-request-id\":\"").doesNotContain("\"x-request-id\":\"\"");
    }
  }

  @Test
  void adminShowsEnvoyNamedStats() throws Exception {
    get("/");
    HttpResponse<String> stats = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + demo.adminAddress().getPort() + "/stats")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(stats.statusCode()).isEqualTo(200);
    assertThat(stats.body()).contains("http.ingress.downstream_rq_total").contains("cluster.reviews-v1.");
  }

  @Test
  void instructionsNameTheRealPorts() {
    assertThat(demo.instructions()).contains("http://127.0.0.1:" + demo.proxyAddress().getPort())
        .contains(demo.config().toString());
  }
}
