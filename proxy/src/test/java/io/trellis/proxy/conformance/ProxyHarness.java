package io.trellis.proxy.conformance;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.trellis.proxy.http.HttpConnectionManagerFactory;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.server.Transport;
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
 * is not implemented yet, {@link #start} aborts the calling suite (reported as skipped) instead of failing it; any
 * other startup error fails the suite. While the listener manager is not implemented (it binds nothing), the HCM built
 * from the same bootstrap with the running server's {@code FactoryContext} is served on a plain ServerBootstrap.
 */
final class ProxyHarness implements AutoCloseable {
  static final String LISTENER = "conformance";
  static final String HCM_TYPE =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  private final RecordingUpstream upstream;
  private final ProxyServer proxy;
  private final InetSocketAddress address;

  private final Channel standIn;

  private ProxyHarness(RecordingUpstream upstream, ProxyServer proxy, InetSocketAddress address, Channel standIn) {
    this.upstream = upstream;
    this.proxy = proxy;
    this.address = address;
    this.standIn = standIn;
  }

  /** Whether the listener manager was stood in for (see {@link #start(String)}). */
  boolean standInListener() {
    return standIn != null;
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
    Channel standIn = null;
    if (address == null) {
      // The listener manager is not in this build yet: serve the same HCM config, built by the real factory with
      // the real server's FactoryContext (clusters, stats, workers), on a plain ServerBootstrap standing in for it.
      try {
        standIn = standInListener(proxy);
      } catch (ConfigException e) {
        proxy.close();
        upstream.close();
        String message = String.valueOf(e.getMessage());
        Assumptions.assumeFalse(message.contains("not implemented"),
            "proxy part not implemented yet, suite skipped: " + message);
        throw new IllegalStateException("HCM rejected the conformance config:\n" + yaml, e);
      }
      address = (InetSocketAddress) standIn.localAddress();
    }
    return new ProxyHarness(upstream, proxy, new InetSocketAddress("127.0.0.1", address.getPort()), standIn);
  }

  private static Channel standInListener(ProxyServer proxy) throws ConfigException {
    HttpConnectionManager hcm;
    try {
      hcm = proxy.bootstrap().getStaticResources().getListeners(0).getFilterChains(0).getFilters(0).getTypedConfig()
          .unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    NetworkFilterFactory factory = HttpConnectionManagerFactory.create(hcm,
        "static_resources.listeners[0].filter_chains[0].filters[0].typed_config", proxy.factoryContext());
    return new ServerBootstrap().group(proxy.factoryContext().workers()).channel(Transport.serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            factory.install(ch, new DownstreamConnection(LISTENER, ch.localAddress(), ch.remoteAddress(), "", "",
                false));
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
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
                  "@type": %s
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
        """.formatted(LISTENER, HCM_TYPE, hcmExtra, upstreamPort);
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
      if (standIn != null) {
        standIn.close().syncUninterruptibly();
      }
      proxy.close();
    } finally {
      upstream.close();
    }
  }
}
