package io.trellis.proxy.conformance;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.server.ProxyOptions;
import io.trellis.proxy.server.ProxyServer;
import io.trellis.testkit.conformance.RecordingUpstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * A real proxy (from an Envoy bootstrap) in front of a {@link RecordingUpstream}. While the HTTP connection manager
 * or the listener manager is not implemented yet, {@link #start} aborts the calling suite (reported as skipped) instead
 * of failing it; any other startup error fails the suite.
 */
final class ProxyHarness implements AutoCloseable {
  static final String LISTENER = "conformance";

  private final RecordingUpstream upstream;
  private final ProxyServer proxy;
  private final InetSocketAddress address;

  private ProxyHarness(RecordingUpstream upstream, ProxyServer proxy, InetSocketAddress address) {
    this.upstream = upstream;
    this.proxy = proxy;
    this.address = address;
  }

  /** Default HCM settings (codec_type AUTO, Envoy's default limits), one worker loop per core up to 2. */
  static ProxyHarness start() throws IOException {
    return start("");
  }

  /**
   * @param hcmExtra extra YAML fields for the HttpConnectionManager's typed_config, indented by 10 spaces per line
   *     (for example {@code "          http2_protocol_options: {max_concurrent_streams: 100}\n"})
   */
  static ProxyHarness start(String hcmExtra) throws IOException {
    RecordingUpstream upstream = RecordingUpstream.start();
    String yaml = bootstrapYaml(upstream.port(), hcmExtra);
    ProxyServer proxy = null;
    try {
      Bootstrap bootstrap = BootstrapLoader.parse(yaml, "conformance.yaml");
      proxy = ProxyServer.start(bootstrap, new ProxyOptions(Path.of("conformance.yaml"), null, null, null, 2,
          Duration.ZERO));
    } catch (ConfigException e) {
      upstream.close();
      String message = String.valueOf(e.getMessage());
      Assumptions.assumeFalse(message.contains("not implemented"),
          "proxy part not implemented yet, suite skipped: " + message);
      throw new IllegalStateException("proxy did not start from the conformance bootstrap:\n" + yaml, e);
    } catch (RuntimeException e) {
      upstream.close();
      throw e;
    }
    InetSocketAddress address = proxy.listenerManager().boundAddresses().get(LISTENER);
    if (address == null) {
      proxy.close();
      upstream.close();
      Assumptions.abort("listener manager reports no bound address for '" + LISTENER + "' (not implemented yet)");
    }
    return new ProxyHarness(upstream, proxy, new InetSocketAddress("127.0.0.1", address.getPort()));
  }

  static String bootstrapYaml(int upstreamPort, String hcmExtra) {
    return """
        node: {id: conformance, cluster: conformance}
        static_resources:
          listeners:
          - name: %s
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: conformance
                  codec_type: AUTO
        %s          route_config:
                    name: conformance
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        route: {cluster: upstream}
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
          - name: upstream
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: upstream
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
        """.formatted(LISTENER, hcmExtra, upstreamPort);
  }

  InetSocketAddress address() {
    return address;
  }

  RecordingUpstream upstream() {
    return upstream;
  }

  ProxyServer proxy() {
    return proxy;
  }

  @Override
  public void close() {
    try {
      proxy.close();
    } finally {
      upstream.close();
    }
  }
}
