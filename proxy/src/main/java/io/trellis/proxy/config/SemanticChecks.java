package io.trellis.proxy.config;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.trellis.api.ApiTypes;
import io.trellis.common.Diagnostic;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks that span several parts of a bootstrap, or that Envoy makes at startup: unique names, one listener per
 * address, references to clusters that exist, filter chains that end in a terminal filter, HTTP filters that end in the
 * router, extension names that agree with their typed_config, addresses and timeouts that make sense.
 */
final class SemanticChecks {
  static final String ROUTER = "envoy.filters.http.router";
  private static final Set<String> TERMINAL = Set.of(
      HttpConnectionManager.getDescriptor().getFullName(), TcpProxy.getDescriptor().getFullName());

  private final List<Diagnostic> errors;
  private final Set<String> clusterNames = new LinkedHashSet<>();

  SemanticChecks(List<Diagnostic> errors) {
    this.errors = errors;
  }

  void check(Bootstrap bootstrap) {
    List<Cluster> clusters = bootstrap.getStaticResources().getClustersList();
    Map<String, Integer> clusterIndex = new HashMap<>();
    for (int i = 0; i < clusters.size(); i++) {
      Cluster c = clusters.get(i);
      String path = "static_resources.clusters[" + i + "]";
      if (c.getName().isEmpty()) {
        error(ConfigCode.MISSING_VALUE, path + ".name", "a cluster needs a name");
      } else {
        Integer first = clusterIndex.putIfAbsent(c.getName(), i);
        if (first != null) {
          error(ConfigCode.DUPLICATE_CLUSTER, path + ".name", "cluster name '" + c.getName()
              + "' is already used by static_resources.clusters[" + first + "]");
        }
        clusterNames.add(c.getName());
      }
      checkCluster(c, path);
    }
    List<Listener> listeners = bootstrap.getStaticResources().getListenersList();
    Map<String, Integer> listenerIndex = new HashMap<>();
    List<Bound> bound = new ArrayList<>();
    for (int i = 0; i < listeners.size(); i++) {
      Listener l = listeners.get(i);
      String path = "static_resources.listeners[" + i + "]";
      if (!l.getName().isEmpty()) {
        Integer first = listenerIndex.putIfAbsent(l.getName(), i);
        if (first != null) {
          error(ConfigCode.DUPLICATE_LISTENER, path + ".name", "listener name '" + l.getName()
              + "' is already used by static_resources.listeners[" + first + "]");
        }
      }
      checkListener(l, path, bound);
    }
    if (bootstrap.hasAdmin() && bootstrap.getAdmin().hasAddress()) {
      checkAddress(bootstrap.getAdmin().getAddress(), "admin.address", true, true);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Listeners

  private record Bound(String address, int port, String path) {}

  private void checkListener(Listener l, String path, List<Bound> bound) {
    if (!l.hasAddress()) {
      error(ConfigCode.MISSING_VALUE, path + ".address", "a listener needs an address (socket_address with "
          + "address and port_value)");
    } else if (checkAddress(l.getAddress(), path + ".address", true, true)) {
      SocketAddress sa = l.getAddress().getSocketAddress();
      int port = sa.getPortValue();
      if (port != 0) {
        String ip = canonicalIp(sa.getAddress());
        for (Bound other : bound) {
          if (other.port() == port && (other.address().equals(ip) || isWildcard(other.address())
              || isWildcard(ip))) {
            error(ConfigCode.ADDRESS_IN_USE, path + ".address", "address " + sa.getAddress() + ":" + port
                + " is already used by " + other.path() + " (" + other.address() + ":" + port + ")");
            break;
          }
        }
        bound.add(new Bound(ip, port, path));
      }
    }
    if (l.getFilterChainsCount() == 0 && !l.hasDefaultFilterChain()) {
      error(ConfigCode.NO_FILTER_CHAINS, path + ".filter_chains", "a listener needs at least one filter chain");
    }
    for (int i = 0; i < l.getFilterChainsCount(); i++) {
      checkFilterChain(l.getFilterChains(i), path + ".filter_chains[" + i + "]");
    }
    if (l.hasDefaultFilterChain()) {
      checkFilterChain(l.getDefaultFilterChain(), path + ".default_filter_chain");
    }
    for (int i = 0; i < l.getListenerFiltersCount(); i++) {
      ListenerFilter f = l.getListenerFilters(i);
      checkNamedConfig(f.getName(), f.hasTypedConfig() ? f.getTypedConfig() : null,
          path + ".listener_filters[" + i + "]");
    }
  }

  private void checkFilterChain(FilterChain chain, String path) {
    int n = chain.getFiltersCount();
    if (n == 0) {
      error(ConfigCode.NOT_TERMINAL, path + ".filters", "a filter chain needs filters, the last one terminal "
          + "(envoy.filters.network.tcp_proxy or envoy.filters.network.http_connection_manager)");
    }
    for (int i = 0; i < n; i++) {
      Filter f = chain.getFilters(i);
      String fp = path + ".filters[" + i + "]";
      Optional<Descriptor> type = checkNamedConfig(f.getName(), f.hasTypedConfig() ? f.getTypedConfig() : null, fp);
      boolean terminal = type.map(d -> TERMINAL.contains(d.getFullName())).orElse(false);
      if (terminal && i < n - 1) {
        error(ConfigCode.NOT_TERMINAL, fp, label(f.getName(), type) + " is a terminal filter, so it must be "
            + "the last filter of the chain (it is filter " + (i + 1) + " of " + n + ")");
      } else if (!terminal && i == n - 1 && type.isPresent()) {
        error(ConfigCode.NOT_TERMINAL, fp, "the last filter of a chain must be terminal "
            + "(envoy.filters.network.tcp_proxy or envoy.filters.network.http_connection_manager), not "
            + label(f.getName(), type));
      }
      if (type.isPresent() && f.hasTypedConfig()) {
        String tp = fp + ".typed_config";
        if (type.get().equals(HttpConnectionManager.getDescriptor())) {
          unpack(f.getTypedConfig(), HttpConnectionManager.class).ifPresent(hcm -> checkHcm(hcm, tp));
        } else if (type.get().equals(TcpProxy.getDescriptor())) {
          unpack(f.getTypedConfig(), TcpProxy.class).ifPresent(tcp -> checkTcpProxy(tcp, tp));
        }
      }
    }
  }

  private static String label(String name, Optional<Descriptor> type) {
    if (name.isEmpty()) {
      return "'" + type.map(Descriptor::getFullName).orElse("?") + "'";
    }
    if (type.isPresent() && !type.get().equals(ApiTypes.EXTENSION_NAMES.get(name))) {
      return "'" + name + "' (typed_config " + type.get().getFullName() + ")";
    }
    return "'" + name + "'";
  }

  /**
   * Checks an extension's name against its typed_config, and that the typed_config is there. Returns the config type
   * when it is known.
   */
  private Optional<Descriptor> checkNamedConfig(String name, Any typedConfig, String path) {
    if (typedConfig == null) {
      Descriptor known = ApiTypes.EXTENSION_NAMES.get(name);
      error(ConfigCode.MISSING_VALUE, path + ".typed_config", "typed_config is required"
          + (known == null ? "" : " (for '" + name + "', write '@type: " + ApiTypes.typeUrl(known)
              + "' and its fields)")
          + "; Trellis finds an extension by its type, not by its name");
      return Optional.empty();
    }
    Optional<Descriptor> type = ApiTypes.forTypeUrl(typedConfig.getTypeUrl());
    if (type.isEmpty()) {
      return type; // reported by the reader or the support walk
    }
    Descriptor expected = ApiTypes.EXTENSION_NAMES.get(name);
    boolean tlsName = name.equals("envoy.transport_sockets.tls")
        && (type.get().equals(DownstreamTlsContext.getDescriptor())
            || type.get().equals(UpstreamTlsContext.getDescriptor()));
    if (expected != null && !expected.equals(type.get()) && !tlsName) {
      error(ConfigCode.NAME_TYPE_MISMATCH, path + ".name", "name '" + name + "' is the extension "
          + expected.getFullName() + ", but typed_config is a " + type.get().getFullName()
          + " (fix the name or the '@type')");
    }
    return type;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // HTTP

  private void checkHcm(HttpConnectionManager hcm, String path) {
    int n = hcm.getHttpFiltersCount();
    if (n == 0) {
      error(ConfigCode.NO_ROUTER, path + ".http_filters", "http_filters must end with " + ROUTER
          + " (add '- name: " + ROUTER + "' with '@type: " + ApiTypes.typeUrl(Router.getDescriptor()) + "')");
    }
    for (int i = 0; i < n; i++) {
      HttpFilter f = hcm.getHttpFilters(i);
      String fp = path + ".http_filters[" + i + "]";
      Optional<Descriptor> type = checkNamedConfig(f.getName(), f.hasTypedConfig() ? f.getTypedConfig() : null, fp);
      boolean router = type.map(d -> d.equals(Router.getDescriptor())).orElse(f.getName().equals(ROUTER));
      if (router && i < n - 1) {
        error(ConfigCode.NO_ROUTER, fp, "the router must be the last HTTP filter (it is filter " + (i + 1) + " of "
            + n + "); filters after it never run");
      } else if (!router && i == n - 1) {
        error(ConfigCode.NO_ROUTER, fp, "http_filters must end with " + ROUTER + ", not "
            + label(f.getName(), type));
      }
    }
    if (hcm.hasRouteConfig()) {
      checkRoutes(hcm.getRouteConfig(), path + ".route_config");
    } else if (!hcm.hasRds()) {
      error(ConfigCode.MISSING_VALUE, path + ".route_config", "an HTTP connection manager needs route_config");
    }
  }

  private void checkRoutes(RouteConfiguration rc, String path) {
    Map<String, String> domains = new HashMap<>();
    for (int v = 0; v < rc.getVirtualHostsCount(); v++) {
      VirtualHost vh = rc.getVirtualHosts(v);
      String vp = path + ".virtual_hosts[" + v + "]";
      if (vh.getDomainsCount() == 0) {
        error(ConfigCode.MISSING_VALUE, vp + ".domains", "a virtual host needs at least one domain ('*' for any)");
      }
      for (int d = 0; d < vh.getDomainsCount(); d++) {
        String domain = vh.getDomains(d).toLowerCase(java.util.Locale.ROOT);
        String dp = vp + ".domains[" + d + "]";
        String before = domains.putIfAbsent(domain, dp);
        if (before != null) {
          error(ConfigCode.DUPLICATE_DOMAIN, dp, "domain '" + vh.getDomains(d) + "' is already listed at " + before
              + "; each domain may appear in one virtual host only");
        }
      }
      for (int r = 0; r < vh.getRoutesCount(); r++) {
        checkRoute(vh.getRoutes(r), vp + ".routes[" + r + "]");
      }
    }
  }

  private void checkRoute(Route route, String path) {
    if (route.getMatch().getPathSpecifierCase()
        == io.envoyproxy.envoy.config.route.v3.RouteMatch.PathSpecifierCase.PATHSPECIFIER_NOT_SET) {
      error(ConfigCode.MISSING_VALUE, path + ".match", "a route match needs one of prefix, path, safe_regex, "
          + "path_separated_prefix");
    }
    switch (route.getActionCase()) {
      case ROUTE -> checkRouteAction(route.getRoute(), path + ".route");
      case REDIRECT, DIRECT_RESPONSE -> { }
      case ACTION_NOT_SET -> error(ConfigCode.MISSING_VALUE, path, "a route needs one of route, redirect, "
          + "direct_response");
      default -> { } // unsupported actions are reported by the support walk
    }
  }

  private void checkRouteAction(RouteAction action, String path) {
    switch (action.getClusterSpecifierCase()) {
      case CLUSTER -> checkClusterRef(action.getCluster(), path + ".cluster");
      case WEIGHTED_CLUSTERS -> {
        WeightedCluster wc = action.getWeightedClusters();
        long sum = 0;
        for (int i = 0; i < wc.getClustersCount(); i++) {
          WeightedCluster.ClusterWeight cw = wc.getClusters(i);
          if (!cw.getName().isEmpty()) {
            checkClusterRef(cw.getName(), path + ".weighted_clusters.clusters[" + i + "].name");
          }
          sum += Integer.toUnsignedLong(cw.getWeight().getValue());
        }
        if (wc.getClustersCount() == 0) {
          error(ConfigCode.MISSING_VALUE, path + ".weighted_clusters.clusters", "weighted_clusters needs clusters");
        } else if (sum == 0) {
          error(ConfigCode.ZERO_WEIGHTS, path + ".weighted_clusters", "the weights of the clusters add up to 0; "
              + "give at least one cluster a positive weight");
        }
      }
      case CLUSTER_HEADER -> { }
      case CLUSTERSPECIFIER_NOT_SET -> error(ConfigCode.MISSING_VALUE, path, "a route action needs one of cluster, "
          + "weighted_clusters, cluster_header");
      default -> { } // unsupported specifiers are reported by the support walk
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // TCP and clusters

  private void checkTcpProxy(TcpProxy tcp, String path) {
    switch (tcp.getClusterSpecifierCase()) {
      case CLUSTER -> checkClusterRef(tcp.getCluster(), path + ".cluster");
      case WEIGHTED_CLUSTERS -> {
        long sum = 0;
        var clusters = tcp.getWeightedClusters().getClustersList();
        for (int i = 0; i < clusters.size(); i++) {
          checkClusterRef(clusters.get(i).getName(), path + ".weighted_clusters.clusters[" + i + "].name");
          sum += Integer.toUnsignedLong(clusters.get(i).getWeight());
        }
        if (clusters.isEmpty()) {
          error(ConfigCode.MISSING_VALUE, path + ".weighted_clusters.clusters", "weighted_clusters needs clusters");
        } else if (sum == 0) {
          error(ConfigCode.ZERO_WEIGHTS, path + ".weighted_clusters", "the weights of the clusters add up to 0; "
              + "give at least one cluster a positive weight");
        }
      }
      default -> error(ConfigCode.MISSING_VALUE, path, "tcp_proxy needs cluster or weighted_clusters");
    }
    if (tcp.getStatPrefix().isEmpty()) {
      error(ConfigCode.MISSING_VALUE, path + ".stat_prefix", "tcp_proxy needs a stat_prefix");
    }
  }

  private void checkClusterRef(String name, String path) {
    if (!clusterNames.contains(name)) {
      error(ConfigCode.UNKNOWN_CLUSTER, path, "cluster '" + name + "' is not defined (defined clusters: "
          + (clusterNames.isEmpty() ? "none" : String.join(", ", clusterNames)) + ")");
    }
  }

  private void checkCluster(Cluster c, String path) {
    if (c.hasConnectTimeout()) {
      var t = c.getConnectTimeout();
      if (t.getSeconds() < 0 || t.getNanos() < 0 || (t.getSeconds() == 0 && t.getNanos() == 0)) {
        error(ConfigCode.BAD_DURATION, path + ".connect_timeout", "connect_timeout must be positive, got '"
            + SupportWalk.seconds(t) + "'");
      }
    }
    boolean dns = c.getType() == Cluster.DiscoveryType.STRICT_DNS || c.getType() == Cluster.DiscoveryType.LOGICAL_DNS;
    boolean staticType = c.getClusterDiscoveryTypeCase() != Cluster.ClusterDiscoveryTypeCase.CLUSTER_TYPE
        && c.getType() == Cluster.DiscoveryType.STATIC;
    int endpoints = 0;
    List<LocalityLbEndpoints> localities = c.getLoadAssignment().getEndpointsList();
    for (int l = 0; l < localities.size(); l++) {
      List<LbEndpoint> lbs = localities.get(l).getLbEndpointsList();
      for (int e = 0; e < lbs.size(); e++) {
        endpoints++;
        String ep = path + ".load_assignment.endpoints[" + l + "].lb_endpoints[" + e + "].endpoint.address";
        if (!lbs.get(e).getEndpoint().hasAddress()) {
          error(ConfigCode.MISSING_VALUE, ep, "an endpoint needs an address");
        } else if (staticType || dns) {
          checkAddress(lbs.get(e).getEndpoint().getAddress(), ep, staticType, false);
        }
      }
    }
    if (c.getType() == Cluster.DiscoveryType.LOGICAL_DNS && endpoints != 1) {
      error(ConfigCode.BAD_ADDRESS, path + ".load_assignment", "a LOGICAL_DNS cluster needs exactly one endpoint, "
          + "got " + endpoints);
    }
  }

  /** Checks a socket address; returns true when it is usable for the duplicate-address check. */
  private boolean checkAddress(Address address, String path, boolean ipLiteral, boolean portZeroAllowed) {
    if (!address.hasSocketAddress()) {
      return false; // pipe and internal addresses are reported by the support walk
    }
    SocketAddress sa = address.getSocketAddress();
    String sp = path + ".socket_address";
    boolean ok = true;
    if (sa.getAddress().isEmpty()) {
      error(ConfigCode.MISSING_VALUE, sp + ".address", "an address is required (for example 0.0.0.0 or 127.0.0.1)");
      ok = false;
    } else if (ipLiteral && canonicalIp(sa.getAddress()) == null) {
      error(ConfigCode.BAD_ADDRESS, sp + ".address", "'" + DocumentReader.abbreviate(sa.getAddress())
          + "' is not an IP address (a listener, the admin server and a STATIC cluster's endpoints need an IP "
          + "literal; use a STRICT_DNS or LOGICAL_DNS cluster for host names)");
      ok = false;
    }
    if (sa.getPortSpecifierCase() == SocketAddress.PortSpecifierCase.NAMED_PORT) {
      return false; // reported by the support walk
    }
    int port = sa.getPortValue();
    if (Integer.toUnsignedLong(port) > 65535) {
      error(ConfigCode.BAD_ADDRESS, sp + ".port_value", "port " + Integer.toUnsignedString(port)
          + " is out of range (0 to 65535)");
      ok = false;
    } else if (port == 0 && !portZeroAllowed) {
      error(ConfigCode.BAD_ADDRESS, sp + ".port_value", "an endpoint needs a port (1 to 65535)");
      ok = false;
    }
    return ok;
  }

  /** The canonical text of an IP literal, or null when {@code text} is not one (never resolves names). */
  static String canonicalIp(String text) {
    if (text.isEmpty() || text.length() > 64 || !text.matches("[0-9A-Fa-f:.%a-zA-Z]+")) {
      return null;
    }
    boolean v4 = text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    if (!v4 && text.indexOf(':') < 0) {
      return null;
    }
    try {
      return InetAddress.ofLiteral(text).getHostAddress();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static boolean isWildcard(String ip) {
    return ip != null && (ip.equals("0.0.0.0") || ip.equals("0:0:0:0:0:0:0:0"));
  }

  private <T extends Message> Optional<T> unpack(Any any, Class<T> type) {
    try {
      return Optional.of(any.unpack(type));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty(); // reported by the support walk
    }
  }

  private void error(ConfigCode code, String path, String message) {
    errors.add(Diagnostic.at(code.code(), path, message));
  }
}
