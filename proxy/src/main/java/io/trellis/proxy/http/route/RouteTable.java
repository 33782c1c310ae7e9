package io.trellis.proxy.http.route;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.trellis.common.ConfigException;
import java.util.List;
import java.util.Set;

/**
 * Compiled from {@code envoy.config.route.v3.RouteConfiguration}; immutable; thread-safe.
 *
 * <p>{@link #match} runs on the event loop: it takes no lock, and for routes to a fixed or weighted cluster, redirects
 * and direct responses it allocates nothing beyond what a regex or a repeated header needs (the {@link RouteMatch} is
 * built at compile time).
 */
public final class RouteTable {
  private final String name;
  private final VirtualHostSelector hosts;
  private final Set<String> referencedClusters;
  private final List<String> virtualHostNames;

  RouteTable(String name, VirtualHostSelector hosts, Set<String> referencedClusters, List<String> virtualHostNames) {
    this.name = name;
    this.hosts = hosts;
    this.referencedClusters = referencedClusters;
    this.virtualHostNames = virtualHostNames;
  }

  /**
   * Compiles; every problem as a Diagnostic with its path under {@code pathPrefix} (e.g.
   * {@code "...typed_config.route_config"}). Reads a direct response body {@code filename} here, so call it off the
   * event loop.
   */
  public static RouteTable compile(RouteConfiguration config, String pathPrefix) throws ConfigException {
    return new RouteCompiler(config, pathPrefix).compile();
  }

  /**
   * Null when no virtual host or no route matches (the caller replies 404 with response flag NR).
   *
   * @param random a value from the caller's per-loop RNG, for weighted clusters
   */
  public RouteMatch match(RequestHead request, long random) {
    VirtualHostEntry vhost = hosts.select(request.authority());
    if (vhost == null) {
      return null;
    }
    String path = request.path();
    if (path == null) {
      return null;
    }
    int end = PathMatch.pathEnd(path);
    String bare = vhost.needsBarePath() && end < path.length() ? path.substring(0, end) : null;
    for (RouteEntry route : vhost.routes()) {
      RouteMatch m = route.match(request, path, end, bare, random);
      if (m != null) {
        return m;
      }
    }
    return null;
  }

  /** Every cluster a route may send to by name (fixed and weighted; not those chosen by {@code cluster_header}). */
  public Set<String> referencedClusters() {
    return referencedClusters;
  }

  /** The route configuration's {@code name} ("" when unnamed). */
  public String name() {
    return name;
  }

  /** The virtual host names, in configuration order. */
  public List<String> virtualHostNames() {
    return virtualHostNames;
  }
}
