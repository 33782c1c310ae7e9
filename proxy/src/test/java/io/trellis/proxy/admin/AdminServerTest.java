package io.trellis.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.server.ProxyOptions;
import io.trellis.proxy.server.ProxyServer;
import io.trellis.proxy.stats.PrometheusTextParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  static Path dir;

  private static ProxyServer server;
  private static Path adminLog;

  static String bootstrapYaml(String adminExtra) {
    return """
        node: {id: node-1, cluster: test-cluster}
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 0}}
        %s
        static_resources:
          clusters:
          - name: backend
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: backend
              endpoints:
              - locality: {region: eu, zone: eu-1a}
                lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}}
                  load_balancing_weight: 3
                - endpoint: {address: {socket_address: {address: 127.0.0.2, port_value: 8081}}}
        """.formatted(adminExtra);
  }

  static ProxyServer start(String yaml, Duration drainTime) throws ConfigException {
    Bootstrap b = BootstrapLoader.parse(yaml, "test.yaml");
    return ProxyServer.start(b, new ProxyOptions(Path.of("test.yaml"), null, null, null, 1, drainTime));
  }

  @BeforeAll
  static void startServer() throws Exception {
    adminLog = dir.resolve("admin.log");
    server = start(bootstrapYaml("""
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: %s
        """.formatted(adminLog).stripTrailing()), Duration.ofMillis(200));
    server.stats().counter("cluster.backend.upstream_rq_total").add(7);
    server.stats().counter("cluster.backend.upstream_rq_2xx").add(7);
    server.stats().counter("http.ingress.downstream_rq_2xx").add(4);
    server.stats().histogram("cluster.backend.upstream_rq_time").record(12);
    var backend = server.clusterManager().get("backend");
    var first = backend.hosts().stream().filter(h -> h.address().getPort() == 8080).findFirst().orElseThrow();
    for (int i = 0; i < 5; i++) {
      backend.hostStats(first).recordResponse(200);
    }
    backend.hostStats(first).recordResponse(503);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static HttpResponse<String> get(ProxyServer s, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(ProxyServer s, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(s, path)).timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(ProxyServer s, String path) {
    return URI.create("http://127.0.0.1:" + s.adminAddress().getPort() + path);
  }

  @Test
  void boundOnAFreePort() {
    assertThat(server.adminAddress().getPort()).isPositive();
  }

  @Test
  void readyIsLiveAndIndexListsEndpoints() throws Exception {
    HttpResponse<String> ready = get(server, "/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("LIVE\n");
    HttpResponse<String> index = get(server, "/");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("/stats/prometheus", "/config_dump", "/quitquitquit", "(POST)");
    HttpResponse<String> missing = get(server, "/no/such/thing");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.body()).startsWith("invalid path: /no/such/thing").contains("/clusters");
  }

  @Test
  void mutatingEndpointsNeedPost() throws Exception {
    for (String p : List.of("/healthcheck/fail", "/healthcheck/ok", "/quitquitquit", "/drain_listeners",
        "/reopen_logs", "/logging?level=debug")) {
      HttpResponse<String> r = get(server, p);
      assertThat(r.statusCode()).as(p).isEqualTo(405);
      assertThat(r.body()).contains("use POST");
    }
    assertThat(get(server, "/ready").body()).isEqualTo("LIVE\n");
  }

  @Test
  void statsTextIsSortedAndFiltered() throws Exception {
    HttpResponse<String> r = get(server, "/stats");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=UTF-8");
    List<String> scalar = r.body().lines().filter(l -> !l.contains(" P0(") && !l.endsWith("No recorded values"))
        .toList();
    assertThat(scalar).isSorted().allMatch(l -> l.matches("[^:]+: -?\\d+"));
    assertThat(r.body()).contains("cluster.backend.upstream_rq_total: 7\n", "server.live: 1\n",
        "server.state: 0\n", "cluster.backend.upstream_rq_time: P0(");
    HttpResponse<String> filtered = get(server, "/stats?filter=%5Ecluster%5C.backend%5C.upstream_rq_(total%7C2xx)");
    assertThat(filtered.body().lines()).containsExactly("cluster.backend.upstream_rq_2xx: 7",
        "cluster.backend.upstream_rq_total: 7");
    assertThat(get(server, "/stats?usedonly").body()).doesNotContain("http.admin.downstream_rq_5xx");
    assertThat(get(server, "/stats?filter=(").statusCode()).isEqualTo(400);
  }

  @Test
  void statsJsonParses() throws Exception {
    HttpResponse<String> r = get(server, "/stats?format=json&filter=upstream_rq");
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode root = new ObjectMapper().readTree(r.body());
    assertThat(root.get("stats").get(0).get("name").asText()).isEqualTo("cluster.backend.upstream_rq_2xx");
    JsonNode h = root.get("stats").get(root.get("stats").size() - 1).get("histograms");
    assertThat(h.get("computed_quantiles").get(0).get("name").asText()).isEqualTo("cluster.backend.upstream_rq_time");
  }

  @Test
  void prometheusParsesStrictly() throws Exception {
    HttpResponse<String> r = get(server, "/stats/prometheus");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(r.body());
    assertThat(f.get("envoy_cluster_upstream_rq_total").samples().get(0).labels())
        .containsEntry("envoy_cluster_name", "backend");
    assertThat(r.body()).contains(
        "envoy_http_downstream_rq_xx{envoy_response_code_class=\"2\",envoy_http_conn_manager_prefix=\"ingress\"} 4");
    assertThat(f.get("envoy_cluster_upstream_rq_time").type()).isEqualTo("histogram");
    assertThat(f.get("envoy_server_live").type()).isEqualTo("gauge");
    // the admin's own traffic is counted like Envoy's http.admin.* stats
    assertThat(r.body()).contains("envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"admin\"}");
  }

  @Test
  void configDumpParsesBackIntoEnvoysDumpProtos() throws Exception {
    HttpResponse<String> r = get(server, "/config_dump");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"@type\": \"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\"")
        .contains("\"static_clusters\"");
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    JsonFormat.parser().usingTypeRegistry(ConfigDumps.registryFor(ConfigDump.getDefaultInstance()))
        .merge(r.body(), dump);
    assertThat(dump.getConfigsCount()).isEqualTo(3);
    BootstrapConfigDump b = dump.getConfigs(0).unpack(BootstrapConfigDump.class);
    assertThat(b.getBootstrap()).isEqualTo(server.bootstrap());
    assertThat(b.getLastUpdated().getSeconds()).isPositive();
    ClustersConfigDump c = dump.getConfigs(1).unpack(ClustersConfigDump.class);
    assertThat(c.getStaticClusters(0).getCluster().unpack(Cluster.class).getName()).isEqualTo("backend");
    ListenersConfigDump l = dump.getConfigs(2).unpack(ListenersConfigDump.class);
    assertThat(l.getStaticListenersCount()).isEqualTo(server.bootstrap().getStaticResources().getListenersCount());

    HttpResponse<String> only = get(server, "/config_dump?resource=static_clusters");
    ConfigDump.Builder clusters = ConfigDump.newBuilder();
    JsonFormat.parser().usingTypeRegistry(ConfigDumps.registryFor(ConfigDump.getDefaultInstance()))
        .merge(only.body(), clusters);
    assertThat(clusters.getConfigs(0).unpack(ClustersConfigDump.StaticCluster.class).getCluster()
        .unpack(Cluster.class).getName()).isEqualTo("backend");
    assertThat(get(server, "/config_dump?resource=nope").statusCode()).isEqualTo(404);
  }

  @Test
  void clustersTextHasEnvoysLines() throws Exception {
    String body = get(server, "/clusters").body();
    assertThat(body.lines()).contains(
        "backend::observability_name::backend",
        "backend::default_priority::max_connections::1024",
        "backend::default_priority::max_pending_requests::1024",
        "backend::high_priority::max_retries::3",
        "backend::added_via_api::false",
        "backend::127.0.0.1:8080::cx_active::0",
        "backend::127.0.0.1:8080::rq_success::5",
        "backend::127.0.0.1:8080::rq_error::1",
        "backend::127.0.0.1:8080::health_flags::healthy",
        "backend::127.0.0.1:8080::weight::3",
        "backend::127.0.0.1:8080::region::eu",
        "backend::127.0.0.1:8080::zone::eu-1a",
        "backend::127.0.0.2:8081::weight::1",
        "backend::127.0.0.2:8081::rq_success::0");
    assertThat(body.lines()).allMatch(l -> l.startsWith("backend::"));
  }

  @Test
  void clustersJsonParsesIntoClustersProto() throws Exception {
    HttpResponse<String> r = get(server, "/clusters?format=json");
    Clusters.Builder c = Clusters.newBuilder();
    JsonFormat.parser().merge(r.body(), c);
    assertThat(c.getClusterStatuses(0).getName()).isEqualTo("backend");
    var host = c.getClusterStatuses(0).getHostStatuses(0);
    assertThat(host.getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
    assertThat(host.getWeight()).isEqualTo(3);
    assertThat(host.getStatsList()).contains(SimpleMetric.newBuilder().setName("rq_success").setValue(5)
        .setType(SimpleMetric.Type.COUNTER).build());
  }

  @Test
  void listenersTextAndJson() throws Exception {
    HttpResponse<String> text = get(server, "/listeners");
    assertThat(text.statusCode()).isEqualTo(200);
    assertThat(text.body().lines().count()).isEqualTo(server.listenerManager().boundAddresses().size());
    Listeners.Builder l = Listeners.newBuilder();
    JsonFormat.parser().merge(get(server, "/listeners?format=json").body(), l);
    assertThat(l.getListenerStatusesCount()).isEqualTo(server.listenerManager().boundAddresses().size());
  }

  @Test
  void serverInfoIsEnvoysServerInfo() throws Exception {
    HttpResponse<String> r = get(server, "/server_info");
    ServerInfo.Builder info = ServerInfo.newBuilder();
    JsonFormat.parser().merge(r.body(), info);
    assertThat(info.getVersion()).startsWith("trellis/");
    assertThat(info.getState()).isEqualTo(ServerInfo.State.LIVE);
    assertThat(info.getNode().getId()).isEqualTo("node-1");
    assertThat(info.getCommandLineOptions().getConfigPath()).isEqualTo("test.yaml");
    assertThat(info.getCommandLineOptions().getConcurrency()).isEqualTo(1);
    assertThat(info.getCommandLineOptions().getDrainTime().getNanos()).isEqualTo(200_000_000);
  }

  @Test
  void memoryIsEnvoysMemoryProto() throws Exception {
    io.envoyproxy.envoy.admin.v3.Memory.Builder m = io.envoyproxy.envoy.admin.v3.Memory.newBuilder();
    JsonFormat.parser().merge(get(server, "/memory").body(), m);
    assertThat(m.getAllocated()).isPositive();
    assertThat(m.getHeapSize()).isGreaterThanOrEqualTo(m.getAllocated());
    assertThat(m.getTotalPhysicalBytes()).isGreaterThan(m.getHeapSize());
  }

  @Test
  void loggingListsAndChangesLevels() throws Exception {
    Logger trellis = Logger.getLogger("io.trellis.proxy");
    Level before = trellis.getLevel();
    try {
      assertThat(get(server, "/logging").body()).startsWith("active loggers:\n").contains("  io.trellis.proxy: ");
      HttpResponse<String> set = post(server, "/logging?io.trellis.proxy=debug");
      assertThat(set.statusCode()).isEqualTo(200);
      assertThat(trellis.getLevel()).isEqualTo(Level.FINE);
      assertThat(set.body()).contains("  io.trellis.proxy: debug");
      HttpResponse<String> bad = post(server, "/logging?io.trellis.proxy=loud");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("invalid level 'loud'", "trace, debug, info, warning, error, critical, off");
      assertThat(post(server, "/logging?level=warning").statusCode()).isEqualTo(200);
      assertThat(trellis.getLevel()).isEqualTo(Level.WARNING);
    } finally {
      trellis.setLevel(before);
      Logger.getLogger("").setLevel(Level.INFO);
      AdminLogging.loggers().values().stream().filter(l -> !l.getName().isEmpty()).forEach(l -> l.setLevel(null));
    }
  }

  @Test
  void adminRequestsAreAccessLogged() throws Exception {
    get(server, "/ready?probe=access-log");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(adminLog)
        && Files.readString(adminLog).contains("\"GET /ready?probe=access-log HTTP/1.1\" 200 - 0 5 "));
    String line = Files.readString(adminLog).lines().filter(l -> l.contains("probe=access-log")).findFirst()
        .orElseThrow();
    assertThat(line).matches("\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z] \"GET /ready\\?probe=access-log "
        + "HTTP/1.1\" 200 - 0 5 \\d+ - \"-\" \"Java-http-client/.*\" \"-\" \"127.0.0.1:\\d+\" \"-\"");
  }

  @Test
  void healthCheckFailMakesReadyDraining() throws Exception {
    ProxyServer s = start(bootstrapYaml(""), Duration.ofMillis(100));
    try {
      assertThat(post(s, "/healthcheck/fail").statusCode()).isEqualTo(200);
      assertThat(s.state().healthCheckFailing()).isTrue();
      HttpResponse<String> ready = get(s, "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("DRAINING\n");
      assertThat(get(s, "/server_info").body()).contains("\"state\": \"DRAINING\"");
      assertThat(get(s, "/stats?filter=server.live").body()).isEqualTo("server.live: 0\n");
      assertThat(post(s, "/healthcheck/ok").statusCode()).isEqualTo(200);
      assertThat(get(s, "/ready").body()).isEqualTo("LIVE\n");
    } finally {
      s.close();
    }
  }

  @Test
  void drainListenersDrainsWithoutExitingThenQuitExits() throws Exception {
    ProxyServer s = start(bootstrapYaml(""), Duration.ofMillis(100));
    try {
      assertThat(post(s, "/drain_listeners?inboundonly").statusCode()).isEqualTo(400);
      assertThat(post(s, "/drain_listeners").statusCode()).isEqualTo(200);
      assertThat(s.state().draining()).isTrue();
      HttpResponse<String> ready = get(s, "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).isEqualTo("DRAINING\n");
      // still serving admin: the process did not exit
      assertThat(get(s, "/server_info").statusCode()).isEqualTo(200);
      HttpResponse<String> quit = post(s, "/quitquitquit");
      assertThat(quit.statusCode()).isEqualTo(200);
      assertThat(quit.body()).isEqualTo("OK\n");
      assertTimeoutPreemptively(Duration.ofSeconds(10), s::awaitTermination);
      assertThatThrownBy(() -> get(s, "/ready")).isInstanceOf(IOException.class);
    } finally {
      s.close();
    }
  }

  @Test
  void quitquitquitTerminates() throws Exception {
    ProxyServer s = start(bootstrapYaml(""), Duration.ofMillis(100));
    assertThat(post(s, "/quitquitquit").statusCode()).isEqualTo(200);
    assertTimeoutPreemptively(Duration.ofSeconds(10), s::awaitTermination);
  }

  @Test
  void adminPortOverrideAndBindFailure() throws Exception {
    int taken = server.adminAddress().getPort();
    Bootstrap b = BootstrapLoader.parse(bootstrapYaml(""), "test.yaml");
    assertThatThrownBy(() -> ProxyServer.start(b, new ProxyOptions(Path.of("test.yaml"), null, null, taken, 1,
        Duration.ZERO)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.address")
        .hasMessageContaining("cannot bind the admin server to 127.0.0.1:" + taken);
  }

  @Test
  void unsupportedAdminAddressIsAConfigError() throws Exception {
    Bootstrap b = BootstrapLoader.parse("admin: {address: {pipe: {path: /tmp/admin.sock}}}", "t.yaml");
    assertThatThrownBy(() -> AdminServer.bindAddress(b.getAdmin(), null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin.address: only socket_address is supported");
  }
}
