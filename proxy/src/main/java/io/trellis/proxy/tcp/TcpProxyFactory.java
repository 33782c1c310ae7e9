package io.trellis.proxy.tcp;

import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.trellis.common.ConfigException;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.server.FactoryContext;

/**
 * Builds the {@code envoy.filters.network.tcp_proxy} network filter.
 *
 * <p>TODO(tcp): implementation.
 */
public final class TcpProxyFactory {
  private TcpProxyFactory() {}

  public static NetworkFilterFactory create(TcpProxy config, String path, FactoryContext context)
      throws ConfigException {
    throw ConfigException.of("TRLS0100", path, "tcp_proxy is not implemented yet");
  }
}
