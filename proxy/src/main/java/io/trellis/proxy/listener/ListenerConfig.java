package io.trellis.proxy.listener;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.proxy.accesslog.AccessLog;
import io.trellis.proxy.accesslog.AccessLogs;
import io.trellis.proxy.network.NetworkFilters;
import io.trellis.proxy.network.SupportedFields;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.tls.DownstreamTls;
import io.trellis.proxy.tls.DownstreamTlsContextFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One listener's config, checked and compiled: the address to bind, listener filters, filter chains with their TLS
 * and network filters, and socket settings. Immutable.
 */
record ListenerConfig(String name, String path, InetSocketAddress address, String statPrefix, boolean tlsInspector,
    boolean httpInspector, long filtersTimeoutMillis, boolean continueOnTimeout, int bufferLimitBytes, int backlog,
    boolean reusePort, FilterChainMatcher matcher, AccessLog accessLog) {

  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
  static final String HTTP_INSPECTOR = "envoy.filters.listener.http_inspector";
  static final String TLS_INSPECTOR_TYPE = "type.googleapis.com/" + TlsInspector.getDescriptor().getFullName();
  static final String HTTP_INSPECTOR_TYPE = "type.googleapis.com/" + HttpInspector.getDescriptor().getFullName();
  /** Envoy's default per_connection_buffer_limit_bytes. */
  static final int DEFAULT_BUFFER_LIMIT = 1024 * 1024;

  private static final Set<String> LISTENER_FIELDS = Set.of("name", "address", "stat_prefix", "filter_chains",
      "default_filter_chain", "per_connection_buffer_limit_bytes", "listener_filters", "listener_filters_timeout",
      "continue_on_listener_filters_timeout", "enable_reuse_port", "access_log", "tcp_backlog_size");
  private static final Set<String> CHAIN_FIELDS = Set.of("filter_chain_match", "filters", "transport_socket", "name");
  private static final Set<String> MATCH_FIELDS = Set.of("destination_port", "server_names", "transport_protocol",
      "application_protocols");

  boolean hasListenerFilters() {
    return tlsInspector || httpInspector;
  }

  static ListenerConfig create(Listener l, String path, FactoryContext context) throws ConfigException {
    SupportedFields.check(l, path, LISTENER_FIELDS);
    String name = l.getName().isEmpty() ? path : l.getName();
    InetSocketAddress address = address(l, path);
    boolean tls = false;
    boolean http = false;
    for (int i = 0; i < l.getListenerFiltersCount(); i++) {
      ListenerFilter f = l.getListenerFilters(i);
      String fp = path + ".listener_filters[" + i + "]";
      SupportedFields.check(f, fp, Set.of("name", "typed_config"));
      String type = f.getTypedConfig().getTypeUrl();
      if (type.equals(TLS_INSPECTOR_TYPE) || type.isEmpty() && f.getName().equals(TLS_INSPECTOR)) {
        if (f.hasTypedConfig()) {
          unpack(f, fp, TlsInspector.class, Set.of());
        }
        tls = true;
      } else if (type.equals(HTTP_INSPECTOR_TYPE) || type.isEmpty() && f.getName().equals(HTTP_INSPECTOR)) {
        if (f.hasTypedConfig()) {
          unpack(f, fp, HttpInspector.class, Set.of());
        }
        http = true;
      } else {
        throw ConfigException.of(ConfigCode.WRONG_SLOT.code(), fp + (type.isEmpty() ? ".name" : ".typed_config.@type"),
            "listener filter '" + (type.isEmpty() ? f.getName() : type) + "' is not supported (supported: "
                + TLS_INSPECTOR + ", " + HTTP_INSPECTOR + ")");
      }
    }
    List<ChainConfig> chains = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    for (int i = 0; i < l.getFilterChainsCount(); i++) {
      String cp = path + ".filter_chains[" + i + "]";
      chains.add(chain(l.getFilterChains(i), cp, "filter_chains[" + i + "]", tls, http, context));
      paths.add(cp);
    }
    ChainConfig defaultChain = l.hasDefaultFilterChain()
        ? chain(l.getDefaultFilterChain(), path + ".default_filter_chain", "default_filter_chain", tls, http, context)
        : null;
    if (chains.isEmpty() && defaultChain == null) {
      throw ConfigException.of(ConfigCode.NO_FILTER_CHAINS.code(), path + ".filter_chains",
          "listener '" + name + "' has no filter_chains and no default_filter_chain");
    }
    long timeout = l.hasListenerFiltersTimeout() ? millis(l.getListenerFiltersTimeout()) : 15_000;
    int limit = l.hasPerConnectionBufferLimitBytes() ? l.getPerConnectionBufferLimitBytes().getValue()
        : DEFAULT_BUFFER_LIMIT;
    int backlog = l.hasTcpBacklogSize() ? l.getTcpBacklogSize().getValue() : 128;
    String prefix = l.getStatPrefix().isEmpty() ? null : l.getStatPrefix();
    AccessLog log = AccessLogs.create(l.getAccessLogList(), path + ".access_log", context);
    return new ListenerConfig(name, path, address, prefix, tls, http, timeout,
        l.getContinueOnListenerFiltersTimeout(), Math.max(limit, 1), backlog,
        l.hasEnableReusePort() && l.getEnableReusePort().getValue(),
        FilterChainMatcher.create(chains, paths, defaultChain), log);
  }

  private static <T extends com.google.protobuf.Message> void unpack(ListenerFilter f, String fp, Class<T> type,
      Set<String> fields) throws ConfigException {
    try {
      SupportedFields.check(f.getTypedConfig().unpack(type), fp + ".typed_config", fields);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw ConfigException.of(ConfigCode.WRONG_SLOT.code(), fp + ".typed_config", "cannot decode: " + e.getMessage());
    }
  }

  private static ChainConfig chain(FilterChain fc, String path, String fallbackName, boolean tlsInspector,
      boolean httpInspector, FactoryContext context) throws ConfigException {
    SupportedFields.check(fc, path, CHAIN_FIELDS);
    FilterChainMatch m = fc.getFilterChainMatch();
    String mp = path + ".filter_chain_match";
    SupportedFields.check(m, mp, MATCH_FIELDS);
    Set<String> names = new LinkedHashSet<>();
    for (String n : m.getServerNamesList()) {
      String lower = n.toLowerCase(Locale.ROOT);
      if (lower.contains("*") && !(lower.startsWith("*.") && lower.indexOf('*', 1) < 0)) {
        throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), mp + ".server_names", "server name '" + n
            + "' is not supported: use an exact name or a leading wildcard such as *.example.com");
      }
      names.add(lower);
    }
    String transport = m.getTransportProtocol();
    if (!names.isEmpty() && !tlsInspector) {
      throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), mp + ".server_names", "matching on server_names needs the listener "
          + "filter " + TLS_INSPECTOR + " (without it no connection has a server name and the chain never matches)");
    }
    if (transport.equals("tls") && !tlsInspector) {
      throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), mp + ".transport_protocol", "transport_protocol 'tls' needs the listener "
          + "filter " + TLS_INSPECTOR);
    }
    if (m.getApplicationProtocolsCount() > 0 && !tlsInspector && !httpInspector) {
      throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), mp + ".application_protocols", "matching on application_protocols needs "
          + "the listener filter " + TLS_INSPECTOR + " or " + HTTP_INSPECTOR);
    }
    DownstreamTls tls = fc.hasTransportSocket()
        ? DownstreamTlsContextFactory.fromTransportSocket(fc.getTransportSocket(), path + ".transport_socket")
        : null;
    return new ChainConfig(fc.getName().isEmpty() ? fallbackName : fc.getName(),
        m.hasDestinationPort() ? m.getDestinationPort().getValue() : 0, Set.copyOf(names), transport,
        Set.copyOf(m.getApplicationProtocolsList()), tls,
        NetworkFilters.createChain(fc.getFiltersList(), path, context));
  }

  private static InetSocketAddress address(Listener l, String path) throws ConfigException {
    if (!l.getAddress().hasSocketAddress()) {
      throw ConfigException.of(ConfigCode.BAD_ADDRESS.code(), path + ".address", "a listener needs address.socket_address "
          + "(pipe and envoy_internal_address are not supported)");
    }
    SocketAddress sa = l.getAddress().getSocketAddress();
    String ap = path + ".address.socket_address";
    SupportedFields.check(sa, ap, Set.of("address", "port_value", "protocol", "ipv4_compat"));
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw ConfigException.of(ConfigCode.BAD_ADDRESS.code(), ap + ".protocol", "only TCP listeners are supported");
    }
    try {
      // Literal IPs only, as Envoy: no DNS for listener addresses.
      if (!sa.getAddress().matches("[0-9.]+|\\[?[0-9a-fA-F:.]*\\]?")) {
        throw new UnknownHostException("not an IP address");
      }
      String host = sa.getAddress().replace("[", "").replace("]", "");
      return new InetSocketAddress(InetAddress.getByName(host), sa.getPortValue());
    } catch (UnknownHostException e) {
      throw ConfigException.of(ConfigCode.BAD_ADDRESS.code(), ap + ".address", "'" + sa.getAddress()
          + "' is not an IP address (listeners bind to IPv4 or IPv6 literals such as 0.0.0.0 or ::)");
    }
  }

  static long millis(Duration d) {
    return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }
}
