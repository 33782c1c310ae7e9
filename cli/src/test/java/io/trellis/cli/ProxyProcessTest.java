package io.trellis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.samples.HelloService;
import io.trellis.testkit.JvmProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `trellis proxy --config envoy.yaml` as a real process: serves HTTP, answers admin, drains on SIGTERM. */
class ProxyProcessTest {
  private static final Duration T = Duration.ofSeconds(60);
  private static final Pattern BOUND = Pattern.compile("listener 'ingress' bound to 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern ADMIN = Pattern.compile("admin bound to 127\\.0\\.0\\.1:(\\d+)");

  static String bootstrap(int upstreamPort) {
    return """
        node: {id: e2e, cluster: e2e}
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        route: {cluster: app}
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
          - name: app
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: app
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(upstreamPort);
  }

  @Test
  void servesHttpAndDrainsOnSigterm(@TempDir Path dir) throws Exception {
    try (HelloService app = HelloService.start("app", "v1", 0)) {
      Path config = dir.resolve("envoy.yaml");
      Files.writeString(config, bootstrap(app.port()));
      try (JvmProcess p = JvmProcess.start(Main.class.getName(),
          List.of("proxy", "--config", config.toString(), "--drain-time-s", "3"))) {
        Matcher m = BOUND.matcher(p.awaitOutput(l -> BOUND.matcher(l).find(), T));
        assertThat(m.find()).isTrue();
        int port = Integer.parseInt(m.group(1));
        Matcher a = ADMIN.matcher(p.awaitOutput(l -> ADMIN.matcher(l).find(), T));
        assertThat(a.find()).isTrue();
        int adminPort = Integer.parseInt(a.group(1));

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"path\":\"/hello\"");

        HttpResponse<String> ready = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + adminPort + "/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);

        p.terminate();
        assertThat(p.waitFor(Duration.ofSeconds(20))).isIn(0, 143);
      }
    }
  }
}
