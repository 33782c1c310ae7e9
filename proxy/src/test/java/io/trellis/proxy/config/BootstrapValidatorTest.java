package io.trellis.proxy.config;

import static io.trellis.proxy.config.ConfigAssertions.valid;
import static io.trellis.proxy.config.ConfigAssertions.validationErrors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.trellis.common.ConfigException;
import org.junit.jupiter.api.Test;

class BootstrapValidatorTest {
  private static final String TCP = "{name: envoy.filters.network.tcp_proxy, typed_config: {\"@type\": "
      + "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: s, cluster: c}}";
  private static final String CLUSTER_C = """
        clusters:
        - name: c
          connect_timeout: 1s
          load_assignment: {cluster_name: c, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: \
      {address: 127.0.0.1, port_value: 1}}}}]}]}
      """;

  private static String tcpListener(String name, String address, int port) {
    return "  - name: " + name + "\n    address: {socket_address: {address: \"" + address + "\", port_value: " + port
        + "}}\n    filter_chains: [{filters: [" + TCP + "]}]\n";
  }

  private static String hcm(String routeConfigAndMore) {
    return """
        static_resources:
          listeners:
          - name: l
            address: {socket_address: {address: 127.0.0.1, port_value: 8080}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: s
                  http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
        """ + routeConfigAndMore.indent(10) + CLUSTER_C;
  }

  private static final String P = "t.yaml: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.";

  @Test
  void unsupportedFieldDeepInsideTypedConfig() {
    assertThat(validationErrors(hcm("""
        route_config:
          virtual_hosts:
          - name: v
            domains: ["*"]
            routes:
            - match: {prefix: /}
              route: {cluster: c, retry_policy: {num_retries: 3}}"""))).containsExactly(P + "route_config."
        + "virtual_hosts[0].routes[0].route.retry_policy: Trellis does not support this field yet (supported fields "
        + "of envoy.config.route.v3.RouteAction: cluster, weighted_clusters, cluster_header, prefix_rewrite, "
        + "regex_rewrite, host_rewrite_literal, auto_host_rewrite, timeout, idle_timeout, "
        + "cluster_not_found_response_code, upgrade_configs) [TRLS0030]");
  }

  @Test
  void unsupportedStringValue() {
    assertThat(validationErrors(hcm("""
        upgrade_configs: [{upgrade_type: h2c}, {upgrade_type: WebSocket}]
        route_config: {virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}]}
        """))).containsExactly(P + "upgrade_configs[0].upgrade_type: value 'h2c' is not supported yet (supported: "
        + "websocket) [TRLS0031]");
  }

  @Test
  void messageWithNoSupportedFields() {
    assertThat(validationErrors(hcm("""
        http_protocol_options: {accept_http_10: true}
        route_config: {virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}]}
        """))).containsExactly(P + "http_protocol_options.accept_http_10: Trellis does not support this field yet "
        + "(envoy.config.core.v3.Http1ProtocolOptions has no supported fields) [TRLS0030]");
  }

  @Test
  void negativeDurationsAnywhere() {
    assertThat(validationErrors(hcm("""
        stream_idle_timeout: -1s
        route_config: {virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}]}
        """))).containsExactly(P + "stream_idle_timeout: a duration must not be negative, got '-1s' [TRLS0051]");
  }

  @Test
  void routeChecksCollectEveryError() {
    assertThat(validationErrors(hcm("""
        route_config:
          virtual_hosts:
          - name: a
            domains: [example.com]
            routes:
            - match: {}
              route: {cluster: c}
            - match: {prefix: /}
            - match: {prefix: /x}
              route: {timeout: 1s}
          - name: b
            domains: [Example.com]
          - name: c
            domains: []
        """))).containsExactly(
        P + "route_config.virtual_hosts[0].routes[0].match: a route match needs one of prefix, path, safe_regex, "
            + "path_separated_prefix [TRLS0053]",
        P + "route_config.virtual_hosts[0].routes[1]: a route needs one of route, redirect, direct_response "
            + "[TRLS0053]",
        P + "route_config.virtual_hosts[0].routes[2].route: a route action needs one of cluster, weighted_clusters, "
            + "cluster_header [TRLS0053]",
        P + "route_config.virtual_hosts[1].domains[0]: domain 'Example.com' is already listed at static_resources."
            + "listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domains[0]; each "
            + "domain may appear in one virtual host only [TRLS0054]",
        P + "route_config.virtual_hosts[2].domains: a virtual host needs at least one domain ('*' for any) "
            + "[TRLS0053]");
  }

  @Test
  void missingRouteConfigAndEmptyHttpFilters() {
    String yaml = hcm("").replace("http_filters: [{name: envoy.filters.http.router, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]", "http_filters: []");
    assertThat(validationErrors(yaml)).containsExactly(
        P + "http_filters: http_filters must end with envoy.filters.http.router (add '- name: "
            + "envoy.filters.http.router' with '@type: type.googleapis.com/envoy.extensions.filters.http.router.v3."
            + "Router') [TRLS0047]",
        P + "route_config: an HTTP connection manager needs route_config [TRLS0053]");
  }

  @Test
  void regexTooLongIsRejected() {
    assertThat(validationErrors(hcm("""
        route_config: {virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {safe_regex: {regex: "%s"}}, \
        route: {cluster: c}}]}]}""".formatted("a".repeat(5000))))).singleElement().asString()
        .endsWith("does not compile: it is longer than 4096 characters (RE2 syntax: no backreferences or "
            + "lookaround) [TRLS0048]");
  }

  @Test
  void portZeroMayRepeatAndWildcardsConflict() {
    valid("static_resources:\n  listeners:\n" + tcpListener("a", "127.0.0.1", 0) + tcpListener("b", "127.0.0.1", 0)
        + tcpListener("c", "127.0.0.1", 9000) + tcpListener("d", "127.0.0.2", 9000) + CLUSTER_C);
    assertThat(validationErrors("static_resources:\n  listeners:\n" + tcpListener("a", "::1", 9000)
        + tcpListener("b", "::", 9000) + CLUSTER_C)).containsExactly("t.yaml: static_resources.listeners[1].address: "
        + "address :::9000 is already used by static_resources.listeners[0] (0:0:0:0:0:0:0:1:9000) [TRLS0042]");
  }

  @Test
  void clusterEndpointChecks() {
    assertThat(validationErrors("""
        static_resources:
          clusters:
          - name: s
            type: STATIC
            load_assignment: {endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: db.local, \
        port_value: 5432}}}}]}]}
          - name: d
            type: LOGICAL_DNS
            load_assignment: {endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: a.local, \
        port_value: 1}}}}, {endpoint: {address: {socket_address: {address: b.local, port_value: 0}}}}]}]}
          - name: e
            type: STATIC
          - name: ""
        """)).containsExactly(
        "t.yaml: static_resources.clusters[0].load_assignment.cluster_name: must not be empty (a rule of Envoy's API) "
            + "[TRLS0056]",
        "t.yaml: static_resources.clusters[1].load_assignment.cluster_name: must not be empty (a rule of Envoy's API) "
            + "[TRLS0056]",
        "t.yaml: static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address."
            + "socket_address.address: 'db.local' is not an IP address (a listener, the admin server and a STATIC "
            + "cluster's endpoints need an IP literal; use a STRICT_DNS or LOGICAL_DNS cluster for host names) "
            + "[TRLS0052]",
        "t.yaml: static_resources.clusters[1].load_assignment.endpoints[0].lb_endpoints[1].endpoint.address."
            + "socket_address.port_value: an endpoint needs a port (1 to 65535) [TRLS0052]",
        "t.yaml: static_resources.clusters[1].load_assignment: a LOGICAL_DNS cluster needs exactly one endpoint, "
            + "got 2 [TRLS0052]",
        "t.yaml: static_resources.clusters[3].name: a cluster needs a name [TRLS0053]");
  }

  @Test
  void tcpProxyReferences() {
    assertThat(validationErrors("""
        static_resources:
          listeners:
          - name: l
            address: {socket_address: {address: 127.0.0.1, port_value: 1}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: s
                  weighted_clusters: {clusters: [{name: c, weight: 0}, {name: nope, weight: 0}]}
        """ + CLUSTER_C)).containsExactly(
        "t.yaml: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.weighted_clusters.clusters[0]"
            + ".weight: must be at least 1, got 0 (a rule of Envoy's API) [TRLS0056]",
        "t.yaml: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.weighted_clusters.clusters[1]"
            + ".weight: must be at least 1, got 0 (a rule of Envoy's API) [TRLS0056]",
        "t.yaml: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.weighted_clusters.clusters[1]"
            + ".name: cluster 'nope' is not defined (defined clusters: c) [TRLS0043]",
        "t.yaml: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.weighted_clusters: the "
            + "weights of the clusters add up to 0; give at least one cluster a positive weight [TRLS0044]");
  }

  @Test
  void listenerWithoutAddress() {
    assertThat(validationErrors("static_resources:\n  listeners:\n  - name: l\n    filter_chains: [{filters: [" + TCP
        + "]}]\n" + CLUSTER_C)).containsExactly("t.yaml: static_resources.listeners[0].address: a listener needs an "
        + "address (socket_address with address and port_value) [TRLS0052]".replace("TRLS0052", "TRLS0053"));
  }

  @Test
  void adminAddressMustBeAnIp() {
    assertThat(validationErrors("admin: {address: {socket_address: {address: localhost, port_value: 9901}}}"))
        .singleElement().asString().startsWith("t.yaml: admin.address.socket_address.address: 'localhost' is not "
            + "an IP address");
  }

  @Test
  void bootstrapBuiltInCodeWithAnUnknownTypedConfig() {
    Bootstrap b = Bootstrap.newBuilder().setStaticResources(Bootstrap.StaticResources.newBuilder()
        .addListeners(Listener.newBuilder().setName("l").addFilterChains(FilterChain.newBuilder().addFilters(
            Filter.newBuilder().setName("x").setTypedConfig(Any.newBuilder().setTypeUrl("type.googleapis.com/nope")
                .setValue(ByteString.copyFromUtf8("junk"))))))).build();
    assertThatThrownBy(() -> BootstrapValidator.validate(b, "code")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("code: static_resources.listeners[0].filter_chains[0].filters[0].typed_config: "
            + "unknown or unsupported type 'type.googleapis.com/nope' [TRLS0017]");
  }

  @Test
  void undecodableTypedConfigBytes() {
    Bootstrap b = Bootstrap.newBuilder().setStaticResources(Bootstrap.StaticResources.newBuilder()
        .addListeners(Listener.newBuilder().setName("l").addFilterChains(FilterChain.newBuilder().addFilters(
            Filter.newBuilder().setName("x").setTypedConfig(Any.newBuilder().setTypeUrl("type.googleapis.com/envoy."
                + "extensions.filters.network.tcp_proxy.v3.TcpProxy").setValue(ByteString.copyFrom(new byte[] {
                    (byte) 0xFF, (byte) 0xFF}))))))).build();
    assertThatThrownBy(() -> BootstrapValidator.validate(b, "code")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("typed_config does not decode as envoy.extensions.filters.network.tcp_proxy.v3."
            + "TcpProxy");
  }

  @Test
  void emptyBootstrapIsValid() throws Exception {
    BootstrapValidator.validate(Bootstrap.getDefaultInstance(), "x");
    BootstrapValidator.validate(BootstrapLoader.parse("node: {id: a}", "t.yaml"), "t.yaml");
  }

  @Test
  void validationStopsListingAfterAHundredErrors() {
    StringBuilder sb = new StringBuilder("static_resources:\n  clusters:\n");
    for (int i = 0; i < 130; i++) {
      sb.append("  - {name: c").append(i).append(", connect_timeout: 0s}\n");
    }
    var errors = validationErrors(sb.toString());
    assertThat(errors).hasSize(101);
    assertThat(errors.get(0)).isEqualTo("t.yaml: static_resources.clusters[0].connect_timeout: connect_timeout must be "
        + "positive, got '0s' [TRLS0051]");
    assertThat(errors.get(100)).isEqualTo("t.yaml: too many errors; 30 more not shown [TRLS0018]");
  }

  @Test
  void envoyApiRulesApplyToSupportedFields() {
    String yaml = hcm("""
        http2_protocol_options: {max_concurrent_streams: 0}
        route_config:
          response_headers_to_add: [{header: {key: "", value: "a\\nb"}}]
          virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}]
        """).replace("stat_prefix: s", "stat_prefix: \"\"");
    assertThat(validationErrors(yaml)).containsExactly(
        P + "stat_prefix: must not be empty (a rule of Envoy's API) [TRLS0056]",
        P + "route_config.response_headers_to_add[0].header.key: must not be empty (a rule of Envoy's API) [TRLS0056]",
        P + "route_config.response_headers_to_add[0].header.value: is not a valid HTTP header value (no NUL, CR or "
            + "LF) (a rule of Envoy's API) [TRLS0056]",
        P + "http2_protocol_options.max_concurrent_streams: must be at least 1, got 0 (a rule of Envoy's API) "
            + "[TRLS0056]");
  }
}
