package io.trellis.proxy.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;

/** Bootstrap YAML for connection manager tests: one listener with the HCM, static clusters on loopback. */
final class Configs {
  private Configs() {}

  /** The routes most tests use; clusters a, b (and dead, empty; nope is missing on purpose). */
  static final String ROUTES = """
            - match: {prefix: "/", headers: [{name: x-route, string_match: {exact: b}}]}
              route: {cluster: b}
            - match: {prefix: "/a/"}
              route: {cluster: a, prefix_rewrite: "/"}
            - match: {prefix: "/b/"}
              route: {cluster: b, prefix_rewrite: "/"}
            - match: {prefix: "/split"}
              route: {weighted_clusters: {clusters: [{name: a, weight: 50}, {name: b, weight: 50}]}}
            - match: {prefix: "/slow/"}
              route: {cluster: a, prefix_rewrite: "/", timeout: 0.3s}
            - match: {prefix: "/dead"}
              route: {cluster: dead}
            - match: {prefix: "/empty"}
              route: {cluster: empty}
            - match: {prefix: "/missing"}
              route: {cluster: nope}
            - match: {prefix: "/ws"}
              route: {cluster: a, upgrade_configs: [{upgrade_type: websocket}]}
            - match: {prefix: "/echo"}
              route: {cluster: a}
            - match: {prefix: "/bytes/"}
              route: {cluster: a}
            - match: {prefix: "/status/"}
              route: {cluster: a}
            - match: {prefix: "/trailers"}
              route: {cluster: a}
            - match: {prefix: "/reset"}
              route: {cluster: a}
            - match: {prefix: "/partial"}
              route: {cluster: a}
            - match: {prefix: "/garbage"}
              route: {cluster: a}
            - match: {prefix: "/delay/"}
              route: {cluster: a}
            - match: {prefix: "/h2/"}
              route: {cluster: h2, prefix_rewrite: "/"}
""";

  /**
   * @param hcmExtra extra HttpConnectionManager fields, indented by 10 spaces
   * @param clusters cluster name to port; a port of 0 makes a cluster without endpoints
   */
  static String bootstrap(String hcmExtra, String routes, Map<String, Integer> clusters) {
    StringBuilder sb = new StringBuilder("""
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
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
        """);
    for (String line : hcmExtra.split("\n")) {
      if (!line.isBlank()) {
        sb.append("          ").append(line).append('\n');
      }
    }
    sb.append("""
                  route_config:
                    name: local
                    validate_clusters: false
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
        """);
    sb.append(routes.indent(4));
    sb.append("  clusters:\n");
    clusters.forEach((name, port) -> {
      sb.append("  - name: ").append(name).append("\n    connect_timeout: 1s\n    type: STATIC\n")
          .append(name.startsWith("h2") ? "    http2_protocol_options: {}\n" : "")
          .append("    load_assignment:\n      cluster_name: ").append(name).append('\n');
      if (port == 0) {
        sb.append("      endpoints: []\n");
      } else {
        sb.append("      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: "
            + "{address: 127.0.0.1, port_value: ").append(port).append("}}}}]}]\n");
      }
    });
    return sb.toString();
  }

  static Map<String, Integer> clusters(int a, int b) {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("a", a);
    m.put("b", b);
    m.put("dead", deadPort());
    m.put("empty", 0);
    return m;
  }

  /** {@link #clusters} plus cluster h2 (HTTP/2 prior knowledge upstream) at {@code h2}. */
  static Map<String, Integer> clusters(int a, int b, int h2) {
    Map<String, Integer> m = clusters(a, b);
    m.put("h2", h2);
    return m;
  }

  /** A loopback port nothing listens on (bound, then closed). */
  static int deadPort() {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
