package io.trellis.proxy.admin;

import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.trellis.common.ConfigException;
import io.trellis.proxy.server.ProxyServer;
import java.net.InetSocketAddress;

/**
 * The admin HTTP server: /ready, /stats, /stats/prometheus, /config_dump, /clusters, /listeners, /healthcheck/fail,
 * /healthcheck/ok, /drain_listeners, /quitquitquit, /logging. Runs on its own event loop, away from the workers.
 *
 * <p>TODO(admin): implementation.
 */
public final class AdminServer implements AutoCloseable {
  private AdminServer() {}

  public static AdminServer start(Admin admin, Integer portOverride, ProxyServer server) throws ConfigException {
    return new AdminServer();
  }

  public InetSocketAddress address() {
    return null;
  }

  @Override
  public void close() {}
}
