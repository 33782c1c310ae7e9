package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.server.ProxyOptions;
import io.trellis.proxy.server.ProxyServer;
import io.trellis.testkit.http.TestHttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The connection manager behind the real listener manager of a ProxyServer, driven by curl and nghttp. */
class HcmProxyServerTest {
  static TestHttpServer a;
  static TestHttpServer h2;
  static ProxyServer server;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    a = TestHttpServer.start("a", TestHttpServer.Protocol.HTTP1);
    h2 = TestHttpServer.start("h2", TestHttpServer.Protocol.H2C);
    String yaml = Configs.bootstrap("", Configs.ROUTES, Configs.clusters(a.port(), a.port(), h2.port()));
    server = ProxyServer.start(BootstrapLoader.parse(yaml, "test.yaml"),
        new ProxyOptions(Path.of("test.yaml"), null, null, null, 1, Duration.ofSeconds(2)));
    port = server.listenerManager().boundAddresses().get("ingress").getPort();
  }

  @AfterAll
  static void stop() {
    server.close();
    a.close();
    h2.close();
  }

  @Test
  void curlHttp1AndH2cPriorKnowledge() throws Exception {
    String h1 = run("curl", "-sS", "-i", "-H", "Host: svc.test", "http://127.0.0.1:" + port + "/a/curl");
    assertThat(h1).startsWith("HTTP/1.1 200").contains("hello from a GET /curl")
        .containsIgnoringCase("server: trellis");
    String h2c = run("curl", "-sS", "-i", "--http2-prior-knowledge", "http://127.0.0.1:" + port + "/h2/curl");
    assertThat(h2c).startsWith("HTTP/2 200").contains("hello from h2 GET /curl");
    String nr = run("curl", "-sS", "-i", "http://127.0.0.1:" + port + "/nowhere");
    assertThat(nr).startsWith("HTTP/1.1 404");
    Path body = Files.createTempFile("trellis-upload", ".bin");
    try {
      Files.write(body, new byte[3 * 1024 * 1024]);
      String up = run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--data-binary",
          "@" + body, "-H", "Expect: 100-continue", "http://127.0.0.1:" + port + "/echo/curl");
      assertThat(up).isEqualTo("200 " + (3 * 1024 * 1024));
    } finally {
      Files.deleteIfExists(body);
    }
  }

  @Test
  void nghttpSeesGrpcTrailers() throws Exception {
    String out = run("nghttp", "-v", "-H", "content-type: application/grpc", "-H", "te: trailers",
        "http://127.0.0.1:" + port + "/h2/trailers");
    assertThat(out).contains(":status: 200").contains("grpc-status: 0").contains("grpc-message: ok");
  }

  static String run(String... cmd) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of(cmd));
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/" + args.get(0))), args.get(0) + " is installed");
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    boolean done = p.waitFor(30, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done).as(String.join(" ", cmd) + " finished").isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
