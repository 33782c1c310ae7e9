package io.trellis.proxy.listener;

import io.trellis.common.ConfigException;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.server.ProxyOptions;
import io.trellis.proxy.server.ProxyServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/** A whole proxy started from YAML text, for tests over real sockets. */
public final class ProxyFixture implements AutoCloseable {
  private final ProxyServer server;

  private ProxyFixture(ProxyServer server) {
    this.server = server;
  }

  public static ProxyFixture start(String yaml) throws ConfigException {
    return new ProxyFixture(ProxyServer.start(BootstrapLoader.parse(yaml, "test.yaml"),
        new ProxyOptions(Path.of("test.yaml"), null, null, null, 2, Duration.ofSeconds(2))));
  }

  public ProxyServer server() {
    return server;
  }

  public InetSocketAddress address(String listener) {
    return server.listenerManager().boundAddresses().get(listener);
  }

  public int port(String listener) {
    return address(listener).getPort();
  }

  public long counter(String name) {
    var c = server.stats().counters().get(name);
    return c == null ? 0 : c.value();
  }

  public long gauge(String name) {
    var g = server.stats().gauges().get(name);
    return g == null ? 0 : g.value();
  }

  /** A STATIC cluster block for {@code port} on loopback. */
  public static String cluster(String name, int... ports) {
    StringBuilder sb = new StringBuilder();
    sb.append("  - name: ").append(name).append("\n    connect_timeout: 1s\n    type: STATIC\n")
        .append("    load_assignment:\n      cluster_name: ").append(name).append("\n      endpoints:\n")
        .append("      - lb_endpoints:\n");
    for (int p : ports) {
      sb.append("        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: ").append(p)
          .append("}}}\n");
    }
    return sb.toString();
  }

  @Override
  public void close() {
    server.close();
  }
}
