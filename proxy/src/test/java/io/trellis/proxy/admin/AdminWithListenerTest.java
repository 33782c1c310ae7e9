package io.trellis.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.trellis.proxy.server.ProxyServer;
import io.trellis.proxy.stats.PrometheusTextParser;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin server of a whole proxy with a real listener, connection manager and cluster in front of a server. */
class AdminWithListenerTest {
  @TempDir
  Path dir;

  private TestHttpServer app;
  private ProxyServer proxy;
  private Path accessLog;

  @BeforeEach
  void start() throws Exception {
    app = TestHttpServer.start("app", TestHttpServer.Protocol.HTTP1);
    accessLog = dir.resolve("access.log");
    proxy = AdminServerTest.start("""
        node: {id: node-1}
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
                  access_log:
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: %s
                      log_format:
                        text_format: "%%RESPONSE_CODE%% %%REQ(:PATH)%% %%UPSTREAM_CLUSTER%% %%DOWNSTREAM_LOCAL_ADDRESS%%\\n"
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        route: {cluster: app}
          clusters:
          - name: app
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: app
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
        """.formatted(accessLog, app.port()), Duration.ofMillis(200));
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (app != null) {
      app.close();
    }
  }

  private int listenerPort() {
    return proxy.listenerManager().boundAddresses().get("ingress").getPort();
  }

  @Test
  void listenersShowTheBoundPortAndTrafficShowsInStatsClustersAndAccessLog() throws Exception {
    int port = listenerPort();
    assertThat(port).isPositive();
    assertThat(AdminServerTest.get(proxy, "/listeners").body()).isEqualTo("ingress::127.0.0.1:" + port + "\n");
    Listeners.Builder l = Listeners.newBuilder();
    JsonFormat.parser().merge(AdminServerTest.get(proxy, "/listeners?format=json").body(), l);
    assertThat(l.getListenerStatuses(0).getLocalAddress().getSocketAddress().getPortValue()).isEqualTo(port);

    try (TestHttpClient c = TestHttpClient.http1(port)) {
      for (int i = 0; i < 3; i++) {
        assertThat(c.get("svc.test", "/hello/" + i).status()).isEqualTo(200);
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(accessLog)
        && Files.readAllLines(accessLog).size() == 3);
    assertThat(Files.readAllLines(accessLog)).containsExactly("200 /hello/0 app 127.0.0.1:" + port,
        "200 /hello/1 app 127.0.0.1:" + port, "200 /hello/2 app 127.0.0.1:" + port);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(AdminServerTest.get(proxy, "/clusters")
        .body()).contains("app::127.0.0.1:" + app.port() + "::rq_total::3"));
    String stats = AdminServerTest.get(proxy, "/stats?filter="
        + URLEncoder.encode("^http\\.ingress\\.downstream_rq_(total|2xx)$", StandardCharsets.UTF_8)).body();
    assertThat(stats).isEqualTo("http.ingress.downstream_rq_2xx: 3\nhttp.ingress.downstream_rq_total: 3\n");
    HttpResponse<String> prom = AdminServerTest.get(proxy, "/stats/prometheus");
    var families = PrometheusTextParser.parse(prom.body());
    assertThat(prom.body()).contains(
        "envoy_http_downstream_rq_xx{envoy_response_code_class=\"2\",envoy_http_conn_manager_prefix=\"ingress\"} 3");
    assertThat(prom.body()).containsPattern(
        "envoy_listener_downstream_cx_total\\{envoy_listener_address=\"127\\.0\\.0\\.1_" + port + "\"} 1");
    assertThat(families.get("envoy_http_downstream_rq_time").type()).isEqualTo("histogram");
    System.out.println("ADMIN-E2E: " + families.size() + " metric families, "
        + families.values().stream().mapToInt(f -> f.samples().size()).sum() + " samples after 3 requests");
  }

  @Test
  void drainListenersStopsAcceptingButKeepsTheAdminServing() throws Exception {
    int port = listenerPort();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    }
    assertThat(AdminServerTest.post(proxy, "/drain_listeners").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      }
    }).isInstanceOf(IOException.class));
    assertThat(AdminServerTest.get(proxy, "/ready").body()).isEqualTo("DRAINING\n");
    assertThat(AdminServerTest.get(proxy, "/stats?filter=server.state").body()).isEqualTo("server.state: 1\n");
    assertThat(List.of(proxy.state().draining())).containsExactly(true);
  }
}
