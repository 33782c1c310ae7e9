package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.netty.channel.EventLoopGroup;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Cluster validation: every problem names the field's full path, and what Trellis supports. */
class ClusterConfigTest {
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = Transport.newGroup(1, "cfg-test");
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static List<Diagnostic> errors(Cluster... clusters) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> DefaultClusterManager.create(
        List.of(clusters), new StatsStore(), group, Executors.newVirtualThreadPerTaskExecutor()).close());
    assertThat(e).as("expected a ConfigException").isNotNull();
    System.out.println(e.getMessage());
    return e.diagnostics();
  }

  @Test
  void invalidPortNamesTheExactPath() {
    Cluster ok = Clusters.staticCluster("a", 80).build();
    Cluster bad = Clusters.cluster("c", Cluster.DiscoveryType.STATIC, Clusters.endpoint("127.0.0.1", 80, 0),
        Clusters.endpoint("127.0.0.1", 70000, 0)).build();
    List<Diagnostic> d = errors(ok, ok.toBuilder().setName("b").build(), bad);
    assertThat(d).extracting(Diagnostic::path).containsExactly(
        "static_resources.clusters[2].load_assignment.endpoints[0].lb_endpoints[1].endpoint.address.socket_address"
            + ".port_value");
    assertThat(d.get(0).message()).contains("70000").contains("1-65535");
  }

  @Test
  void staticClusterNeedsIpAddresses() {
    List<Diagnostic> d = errors(Clusters.cluster("s", Cluster.DiscoveryType.STATIC,
        Clusters.endpoint("backend.example", 80, 0)).build());
    assertThat(d.get(0).path()).endsWith("lb_endpoints[0].endpoint.address.socket_address.address");
    assertThat(d.get(0).message()).contains("STRICT_DNS");
  }

  @Test
  void unsupportedPoliciesTypesAndFieldsAreRejectedNotIgnored() {
    List<Diagnostic> d = errors(
        Clusters.staticCluster("lp", 80).setLbPolicy(Cluster.LbPolicy.MAGLEV).build(),
        Clusters.staticCluster("eds", 80).setType(Cluster.DiscoveryType.EDS).build(),
        Clusters.staticCluster("od", 80).setOutlierDetection(
            io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.getDefaultInstance()).build(),
        Clusters.cluster("ldns", Cluster.DiscoveryType.LOGICAL_DNS, Clusters.endpoint("a.test", 80, 0),
            Clusters.endpoint("b.test", 80, 0)).build(),
        Clusters.staticCluster("auto", 80).putTypedExtensionProtocolOptions(ClusterConfig.HTTP_OPTIONS_KEY,
            Any.pack(HttpProtocolOptions.newBuilder().setAutoConfig(
                HttpProtocolOptions.AutoHttpConfig.getDefaultInstance()).build())).build());
    assertThat(d).extracting(Diagnostic::path).contains(
        "static_resources.clusters[0].lb_policy",
        "static_resources.clusters[1].type",
        "static_resources.clusters[2].outlier_detection",
        "static_resources.clusters[3].load_assignment",
        "static_resources.clusters[4].typed_extension_protocol_options[\"envoy.extensions.upstreams.http.v3"
            + ".HttpProtocolOptions\"].auto_config");
    assertThat(d.get(0).message()).contains("MAGLEV").contains("supported: ROUND_ROBIN");
  }

  @Test
  void duplicateNamesAreRejected() {
    List<Diagnostic> d = errors(Clusters.staticCluster("dup", 80).build(), Clusters.staticCluster("dup", 81).build());
    assertThat(d).extracting(Diagnostic::path).containsExactly("static_resources.clusters[1].name");
  }

  @Test
  void tlsErrorsNameTheirPath() {
    var tls = io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext.newBuilder()
            .setValidationContext(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext
                .newBuilder().setTrustedCa(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                    .setFilename("/nonexistent/ca.pem")))).build();
    List<Diagnostic> d = errors(UpstreamTlsClusterTest.withTls(Clusters.staticCluster("t", 443), tls).build());
    assertThat(d.get(0).path()).isEqualTo("static_resources.clusters[0].transport_socket.typed_config"
        + ".common_tls_context.validation_context.trusted_ca.filename");
    assertThat(d.get(0).message()).contains("/nonexistent/ca.pem");
  }

  @Test
  void localitiesPrioritiesWeightsAndHealthAreKept() throws Exception {
    Cluster proto = Cluster.newBuilder().setName("loc").setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder()
            .addEndpoints(LocalityLbEndpoints.newBuilder()
                .setLocality(Locality.newBuilder().setRegion("eu").setZone("eu-1a").setSubZone("rack1"))
                .setLoadBalancingWeight(com.google.protobuf.UInt32Value.of(7))
                .addLbEndpoints(Clusters.endpoint("127.0.0.1", 1001, 3))
                .addLbEndpoints(Clusters.endpoint("127.0.0.1", 1002, 0).toBuilder()
                    .setHealthStatus(HealthStatus.UNHEALTHY)))
            .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(1)
                .setLocality(Locality.newBuilder().setZone("eu-1b"))
                .addLbEndpoints(Clusters.endpoint("127.0.0.1", 1003, 0))))
        .build();
    StatsStore stats = new StatsStore();
    try (var cm = DefaultClusterManager.create(List.of(proto), stats, group,
        Executors.newVirtualThreadPerTaskExecutor())) {
      var c = cm.get("loc");
      assertThat(c.hosts()).hasSize(3);
      Host h = c.hosts().get(0);
      assertThat(h.region()).isEqualTo("eu");
      assertThat(h.zone()).isEqualTo("eu-1a");
      assertThat(h.subZone()).isEqualTo("rack1");
      assertThat(h.weight()).isEqualTo(3);
      assertThat(h.localityWeight()).isEqualTo(7);
      assertThat(c.hosts().get(2).priority()).isEqualTo(1);
      assertThat(c.healthy(c.hosts().get(1))).isFalse();
      assertThat(stats.gauge("cluster.loc.membership_total").value()).isEqualTo(3);
      assertThat(stats.gauge("cluster.loc.membership_healthy").value()).isEqualTo(2);
      // only priority 0's healthy host is picked
      var loop = group.next();
      for (int i = 0; i < 4; i++) {
        Host picked = loop.submit(() -> c.chooseHost(loop, LoadBalancerContext.NONE)).get(5, TimeUnit.SECONDS);
        assertThat(picked.address().getPort()).isEqualTo(1001);
      }
    }
  }

  @Test
  void emptyClusterChoosesNull() throws Exception {
    StatsStore stats = new StatsStore();
    try (var cm = DefaultClusterManager.create(List.of(Cluster.newBuilder().setName("empty").build()), stats, group,
        Executors.newVirtualThreadPerTaskExecutor())) {
      var loop = group.next();
      assertThat(loop.submit(() -> cm.get("empty").chooseHost(loop, LoadBalancerContext.NONE))
          .get(5, TimeUnit.SECONDS)).isNull();
      assertThat(stats.counter("cluster.empty.upstream_cx_none_healthy").value()).isEqualTo(1);
    }
  }

  @Test
  void lbEndpointWithoutEndpointIsRejected() {
    List<Diagnostic> d = errors(Cluster.newBuilder().setName("x").setLoadAssignment(ClusterLoadAssignment.newBuilder()
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.getDefaultInstance()))).build());
    assertThat(d.get(0).path()).isEqualTo(
        "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint");
  }
}
