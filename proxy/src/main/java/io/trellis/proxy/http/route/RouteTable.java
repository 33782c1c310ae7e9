package io.trellis.proxy.http.route;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.trellis.common.ConfigException;
import java.util.Set;

/** Compiled from {@code envoy.config.route.v3.RouteConfiguration}; immutable; thread-safe. */
public final class RouteTable {
  private RouteTable() {}

  /**
   * Compiles; every problem as a Diagnostic with its path under {@code pathPrefix} (e.g.
   * {@code "...typed_config.route_config"}).
   */
  public static RouteTable compile(RouteConfiguration config, String pathPrefix) throws ConfigException {
    throw ConfigException.of("TRLS0300", pathPrefix, "TODO(route): not implemented yet");
  }

  /**
   * Null when no virtual host or no route matches (the caller replies 404 with response flag NR).
   *
   * @param random a value from the caller's per-loop RNG, for weighted clusters
   */
  public RouteMatch match(RequestHead request, long random) {
    return null;
  }

  /** Every cluster name a route may send to (not those chosen by {@code cluster_header}), for validation. */
  public Set<String> referencedClusters() {
    return Set.of();
  }
}
