package io.trellis.proxy.http;

import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.trellis.common.ConfigException;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.server.FactoryContext;

/**
 * Builds the {@code envoy.filters.network.http_connection_manager} network filter from its config.
 *
 * <p>TODO(http): implementation.
 */
public final class HttpConnectionManagerFactory {
  private HttpConnectionManagerFactory() {}

  /**
   * @param config the filter's typed_config
   * @param path the config path of the filter, for errors ({@code static_resources.listeners[0].filter_chains[0]
   *     .filters[0].typed_config})
   */
  public static NetworkFilterFactory create(HttpConnectionManager config, String path, FactoryContext context)
      throws ConfigException {
    throw ConfigException.of("TRLS0100", path, "http_connection_manager is not implemented yet");
  }
}
