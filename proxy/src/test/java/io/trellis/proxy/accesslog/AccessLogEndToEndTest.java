package io.trellis.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.http.HttpConnectionManagerFactory;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.server.ServerState;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.PrometheusTextParser;
import io.trellis.proxy.stats.StatsQuery;
import io.trellis.proxy.stats.StatsRenderer;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.stats.TagExtractor;
import io.trellis.proxy.upstream.DefaultClusterManager;
import io.trellis.testkit.http.TestHttpClient;
import io.trellis.testkit.http.TestHttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access logs and stats as the HTTP connection manager fills them, over real sockets: a plain ServerBootstrap stands in
 * for the listener manager in front of the real connection manager, router and cluster manager.
 */
class AccessLogEndToEndTest {
  @TempDir
  Path dir;

  private final StatsStore stats = new StatsStore();
  private final EventLoopGroup workers = Transport.newGroup(1, "al-worker");
  private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
  private TestHttpServer upstream;
  private DefaultClusterManager clusters;
  private Channel server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    if (clusters != null) {
      clusters.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    blocking.shutdownNow();
  }

  private int start(String yaml) throws Exception {
    Bootstrap b = BootstrapLoader.parse(yaml, "test.yaml");
    clusters = DefaultClusterManager.create(b.getStaticResources().getClustersList(), stats, workers, blocking);
    FactoryContext ctx = new FactoryContext(stats, clusters, workers, new ServerState(), blocking, b.getNode());
    HttpConnectionManager hcm = b.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0)
        .getTypedConfig().unpack(HttpConnectionManager.class);
    NetworkFilterFactory f = HttpConnectionManagerFactory.create(hcm,
        "static_resources.listeners[0].filter_chains[0].filters[0].typed_config", ctx);
    server = new ServerBootstrap().group(workers).channel(Transport.serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            f.install(ch, new DownstreamConnection("ingress", ch.localAddress(), ch.remoteAddress(), "", "", false));
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  private String bootstrap(Path json, Path text, int upstreamPort) {
    return """
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
                        json_format:
                          status: "%%RESPONSE_CODE%%"
                          flags: "%%RESPONSE_FLAGS%%"
                          details: "%%RESPONSE_CODE_DETAILS%%"
                          reason: "%%TRELLIS_REASON%%"
                          method: "%%REQ(:METHOD)%%"
                          path: "%%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%%"
                          cluster: "%%UPSTREAM_CLUSTER%%"
                          host: "%%UPSTREAM_HOST%%"
                          duration: "%%DURATION%%"
                          bytes_sent: "%%BYTES_SENT%%"
                          request_id: "%%REQ(X-REQUEST-ID)%%"
                          client: "%%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%%"
                          protocol: "%%PROTOCOL%%"
                  - name: envoy.access_loggers.file
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                      path: %s
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                  route_config:
                    name: local
                    validate_clusters: false
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/app/"}
                        route: {cluster: app}
                      - match: {prefix: "/empty"}
                        route: {cluster: empty}
          clusters:
          - name: app
            connect_timeout: 1s
            type: STATIC
            load_assignment:
              cluster_name: app
              endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]
          - name: empty
            connect_timeout: 1s
            type: STATIC
            load_assignment: {cluster_name: empty, endpoints: []}
        """.formatted(json, text, upstreamPort);
  }

  private static List<String> lines(Path p) throws Exception {
    return Files.exists(p) ? Files.readAllLines(p) : List.of();
  }

  @Test
  void connectionManagerStreamsAreLoggedAndCounted() throws Exception {
    upstream = TestHttpServer.start("app", TestHttpServer.Protocol.HTTP1);
    Path json = dir.resolve("access.json");
    Path text = dir.resolve("access.log");
    int port = start(bootstrap(json, text, upstream.port()));
    List<Integer> statuses = new ArrayList<>();
    try (TestHttpClient c = TestHttpClient.http1(port)) {
      statuses.add(c.get("svc.test", "/app/hello").status());
      statuses.add(c.get("svc.test", "/nowhere").status());
      statuses.add(c.get("svc.test", "/empty").status());
    }
    assertThat(statuses).containsExactly(200, 404, 503);
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(json).size() == 3 && lines(text).size() == 3);
    ObjectMapper m = new ObjectMapper();
    JsonNode ok = m.readTree(lines(json).get(0));
    assertThat(ok.get("status").asInt()).isEqualTo(200);
    assertThat(ok.get("flags").asText()).isEqualTo("-");
    assertThat(ok.get("method").asText()).isEqualTo("GET");
    assertThat(ok.get("path").asText()).isEqualTo("/app/hello");
    assertThat(ok.get("cluster").asText()).isEqualTo("app");
    assertThat(ok.get("host").asText()).isEqualTo("127.0.0.1:" + upstream.port());
    assertThat(ok.get("duration").isNumber()).isTrue();
    assertThat(ok.get("bytes_sent").asLong()).isPositive();
    assertThat(ok.get("request_id").asText()).hasSize(36);
    assertThat(ok.get("client").asText()).isEqualTo("127.0.0.1");
    assertThat(ok.get("protocol").asText()).isEqualTo("HTTP/1.1");
    JsonNode nr = m.readTree(lines(json).get(1));
    assertThat(nr.get("status").asInt()).isEqualTo(404);
    assertThat(nr.get("flags").asText()).isEqualTo("NR");
    assertThat(nr.get("reason").asText()).isNotBlank();
    assertThat(nr.get("cluster").isNull()).isTrue();
    JsonNode uh = m.readTree(lines(json).get(2));
    assertThat(uh.get("status").asInt()).isEqualTo(503);
    assertThat(uh.get("flags").asText()).isEqualTo("UH");
    assertThat(uh.get("reason").asText()).contains("healthy");
    System.out.println("ACCESS-LOG-E2E: " + lines(json).get(2));
    assertThat(lines(text).get(0)).matches("\\[.+Z] \"GET /app/hello HTTP/1.1\" 200 - 0 \\d+ \\d+ \\d+ \"-\" "
        + "\"[^\"]*\" "
        + "\"[0-9a-f-]{36}\" \"svc.test\" \"127.0.0.1:" + upstream.port() + "\"");
    assertThat(lines(text).get(1)).contains("\"GET /nowhere HTTP/1.1\" 404 NR ");

    String prom = StatsRenderer.prometheus(stats, StatsQuery.ALL, TagExtractor.envoyDefaults());
    var families = PrometheusTextParser.parse(prom);
    assertThat(families).containsKey("envoy_http_downstream_rq_xx");
    assertThat(prom).contains(
        "envoy_http_downstream_rq_xx{envoy_response_code_class=\"2\",envoy_http_conn_manager_prefix=\"ingress\"} 1");
    assertThat(prom).contains(
        "envoy_http_downstream_rq_xx{envoy_response_code_class=\"4\",envoy_http_conn_manager_prefix=\"ingress\"} 1");
    assertThat(prom).contains(
        "envoy_http_downstream_rq_xx{envoy_response_code_class=\"5\",envoy_http_conn_manager_prefix=\"ingress\"} 1");
    assertThat(prom).contains("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"app\"} 1");
    assertThat(families.get("envoy_http_downstream_rq_time").type()).isEqualTo("histogram");
  }
}
