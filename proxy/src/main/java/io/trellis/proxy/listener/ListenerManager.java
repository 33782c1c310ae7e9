package io.trellis.proxy.listener;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.trellis.common.ConfigException;
import io.trellis.proxy.server.FactoryContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Binds the configured listeners and runs, for each accepted connection, listener filters, filter chain selection,
 * TLS and the chain's network filters.
 *
 * <p>TODO(listener): implementation.
 */
public final class ListenerManager implements AutoCloseable {
  private ListenerManager() {}

  public static ListenerManager start(List<Listener> listeners, FactoryContext context) throws ConfigException {
    return new ListenerManager();
  }

  /** Bound address of each listener by name (port 0 resolved). */
  public Map<String, InetSocketAddress> boundAddresses() {
    return Map.of();
  }

  /** Stops accepting new connections; open connections stay. */
  public void stopListening() {}

  /** Waits until no downstream connection is open, or {@code timeout} passes. */
  public void awaitDrained(Duration timeout) throws InterruptedException {}

  @Override
  public void close() {}
}
