package io.trellis.proxy.upstream;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DnsLookupFamily;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.common.Diagnostic;
import io.trellis.proxy.tls.UpstreamTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The validated, immutable settings of one cluster, parsed from {@code static_resources.clusters[i]}. Every field Trellis
 * does not implement is rejected with its path rather than ignored.
 *
 * @param endpoints the lb_endpoints in config order, with their locality, priority and weight
 * @param h2MaxConcurrentStreams our own cap on streams per HTTP/2 connection (the peer's SETTINGS may lower it)
 * @param maxRequestsPerConnection 0 for unlimited
 * @param tls null for plaintext
 */
record ClusterConfig(String name, DiscoveryType type, long connectTimeoutMillis, List<EndpointSpec> endpoints,
    long dnsRefreshMillis, long dnsFailureRefreshMillis, long dnsFailureMaxRefreshMillis, boolean respectDnsTtl, DnsLookupFamily lookupFamily,
    List<InetSocketAddress> dnsResolvers, boolean dnsUseTcp, Protocol protocol, long maxRequestsPerConnection,
    long idleTimeoutMillis, long h2MaxConcurrentStreams, int h2InitialStreamWindow, int h2InitialConnectionWindow,
    long h2HpackTableSize,
    int perConnectionBufferLimitBytes, UpstreamTls tls) {
  private static final Logger LOG = Logger.getLogger(ClusterConfig.class.getName());
  static final String HTTP_OPTIONS_KEY = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  /** Upstream HTTP protocol choice. */
  enum Protocol { HTTP1, HTTP2, DOWNSTREAM }

  /** One lb_endpoint before resolution: an IP (STATIC) or a DNS name (STRICT_DNS, LOGICAL_DNS). */
  record EndpointSpec(String address, int port, int weight, String region, String zone, String subZone, int priority,
      int localityWeight, String hostnameOverride, boolean healthy) {
    Host toHost(InetAddress ip) {
      String name = hostnameOverride.isEmpty() ? address : hostnameOverride;
      return new Host(new InetSocketAddress(ip, port), name, weight, region, zone, subZone, priority, localityWeight);
    }
  }

  private static final Set<String> SUPPORTED_CLUSTER_FIELDS = Set.of("name", "type", "connect_timeout", "lb_policy",
      "load_assignment", "dns_refresh_rate", "dns_failure_refresh_rate", "respect_dns_ttl", "dns_lookup_family",
      "dns_resolvers", "dns_resolution_config", "typed_dns_resolver_config", "use_tcp_for_dns_lookups",
      "transport_socket", "typed_extension_protocol_options", "http2_protocol_options", "http_protocol_options",
      "common_http_protocol_options", "max_requests_per_connection", "metadata", "per_connection_buffer_limit_bytes");
  private static final Set<String> SUPPORTED_H2_FIELDS = Set.of("max_concurrent_streams", "initial_stream_window_size",
      "initial_connection_window_size", "hpack_table_size");

  static ClusterConfig parse(io.envoyproxy.envoy.config.cluster.v3.Cluster c, String path) throws ConfigException {
    List<Diagnostic> errors = new ArrayList<>();
    if (c.getName().isEmpty()) {
      errors.add(Diagnostic.at(ConfigCode.MISSING_VALUE.code(), path + ".name", "a cluster needs a name"));
    }
    if (c.hasCircuitBreakers()) {
      // The file validator rejects it (allowlist); a bootstrap built in code may carry thresholds that /clusters
      // reports. Not enforced yet: say so rather than ignore it.
      LOG.warning(() -> path + ".circuit_breakers: thresholds are reported but not enforced yet");
    }
    for (FieldDescriptor f : c.getAllFields().keySet()) {
      if (!SUPPORTED_CLUSTER_FIELDS.contains(f.getName()) && !f.getName().equals("circuit_breakers")) {
        errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), path + "." + f.getName(), "field '" + f.getName()
            + "' is not supported by Trellis yet"));
      }
    }
    DiscoveryType type = c.getType();
    if (type != DiscoveryType.STATIC && type != DiscoveryType.STRICT_DNS && type != DiscoveryType.LOGICAL_DNS) {
      errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_ENUM_VALUE.code(), path + ".type",
          "value '" + c.getType() + "' is not supported (supported: STATIC, STRICT_DNS, LOGICAL_DNS)"));
    }
    if (c.getLbPolicy() != io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.ROUND_ROBIN) {
      errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_ENUM_VALUE.code(), path + ".lb_policy",
          "value '" + c.getLbPolicy() + "' is not supported (supported: ROUND_ROBIN)"));
    }
    long connectTimeout = millis(c.hasConnectTimeout() ? c.getConnectTimeout() : null, 5000);
    if (c.hasConnectTimeout() && connectTimeout <= 0) {
      errors.add(Diagnostic.at(ConfigCode.BAD_DURATION.code(), path + ".connect_timeout", "must be greater than 0"));
    }
    List<EndpointSpec> endpoints = endpoints(c, type, path + ".load_assignment", errors);
    if (type == DiscoveryType.LOGICAL_DNS && endpoints.size() != 1) {
      errors.add(Diagnostic.at(ConfigCode.MISSING_VALUE.code(), path + ".load_assignment",
          "a LOGICAL_DNS cluster needs exactly one lb_endpoint, found " + endpoints.size()));
    }
    long refresh = millis(c.hasDnsRefreshRate() ? c.getDnsRefreshRate() : null, 5000);
    if (c.hasDnsRefreshRate() && refresh < 1) {
      errors.add(Diagnostic.at(ConfigCode.BAD_DURATION.code(), path + ".dns_refresh_rate", "must be at least 1ms"));
    }
    long failureRefresh = c.hasDnsFailureRefreshRate()
        ? millis(c.getDnsFailureRefreshRate().getBaseInterval(), refresh) : refresh;
    long failureMax = c.getDnsFailureRefreshRate().hasMaxInterval()
        ? millis(c.getDnsFailureRefreshRate().getMaxInterval(), failureRefresh) : failureRefresh;
    if (failureMax < failureRefresh) {
      errors.add(Diagnostic.at(ConfigCode.BAD_DURATION.code(), path + ".dns_failure_refresh_rate.max_interval",
          "must not be below base_interval"));
    }
    if (c.hasDnsFailureRefreshRate() && failureRefresh < 1) {
      errors.add(Diagnostic.at(ConfigCode.BAD_DURATION.code(), path + ".dns_failure_refresh_rate.base_interval", "must be at least 1ms"));
    }
    List<InetSocketAddress> resolvers = new ArrayList<>();
    boolean useTcp = c.getUseTcpForDnsLookups();
    for (int i = 0; i < c.getDnsResolversCount(); i++) {
      resolvers.add(resolverAddress(c.getDnsResolvers(i), path + ".dns_resolvers[" + i + "]", errors));
    }
    for (int i = 0; i < c.getDnsResolutionConfig().getResolversCount(); i++) {
      resolvers.add(resolverAddress(c.getDnsResolutionConfig().getResolvers(i),
          path + ".dns_resolution_config.resolvers[" + i + "]", errors));
    }
    if (c.getDnsResolutionConfig().getDnsResolverOptions().getUseTcpForDnsLookups()) {
      useTcp = true;
    }
    if (c.hasTypedDnsResolverConfig()) {
      String tpath = path + ".typed_dns_resolver_config.typed_config";
      Any any = c.getTypedDnsResolverConfig().getTypedConfig();
      if (any.is(CaresDnsResolverConfig.class)) {
        try {
          CaresDnsResolverConfig cares = any.unpack(CaresDnsResolverConfig.class);
          for (int i = 0; i < cares.getResolversCount(); i++) {
            resolvers.add(resolverAddress(cares.getResolvers(i), tpath + ".resolvers[" + i + "]", errors));
          }
          useTcp |= cares.getDnsResolverOptions().getUseTcpForDnsLookups();
        } catch (InvalidProtocolBufferException e) {
          errors.add(Diagnostic.at(ConfigCode.UNDECODABLE_ANY.code(), tpath, "cannot decode CaresDnsResolverConfig: " + e.getMessage()));
        }
      } else {
        errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), tpath, "type '" + any.getTypeUrl()
            + "' is not supported (supported: envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig)"));
      }
    }

    // HTTP protocol options: the typed extension first, then the deprecated cluster-level fields.
    Protocol protocol = Protocol.HTTP1;
    HttpProtocolOptions common = c.getCommonHttpProtocolOptions();
    String commonPath = path + ".common_http_protocol_options";
    Http2ProtocolOptions h2 = c.getHttp2ProtocolOptions();
    String h2Path = path + ".http2_protocol_options";
    if (c.hasHttp2ProtocolOptions()) {
      protocol = Protocol.HTTP2;
    }
    long maxRequests = c.hasMaxRequestsPerConnection() ? c.getMaxRequestsPerConnection().getValue() : 0;
    for (var e : c.getTypedExtensionProtocolOptionsMap().entrySet()) {
      String opath = path + ".typed_extension_protocol_options[\"" + e.getKey() + "\"]";
      if (!e.getKey().equals(HTTP_OPTIONS_KEY) || !e.getValue().is(
          io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class)) {
        errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), opath, "only '" + HTTP_OPTIONS_KEY + "' with its HttpProtocolOptions type is "
            + "supported"));
        continue;
      }
      io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions o;
      try {
        o = e.getValue().unpack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class);
      } catch (InvalidProtocolBufferException ex) {
        errors.add(Diagnostic.at(ConfigCode.UNDECODABLE_ANY.code(), opath, "cannot decode HttpProtocolOptions: " + ex.getMessage()));
        continue;
      }
      if (o.getHttpFiltersCount() > 0 || o.hasUpstreamHttpProtocolOptions() || o.hasHeaderValidationConfig()) {
        errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), opath, "only explicit_http_config, use_downstream_protocol_config and "
            + "common_http_protocol_options are supported"));
      }
      if (o.hasCommonHttpProtocolOptions()) {
        common = o.getCommonHttpProtocolOptions();
        commonPath = opath + ".common_http_protocol_options";
      }
      switch (o.getUpstreamProtocolOptionsCase()) {
        case EXPLICIT_HTTP_CONFIG -> {
          var x = o.getExplicitHttpConfig();
          if (x.hasHttp2ProtocolOptions()) {
            protocol = Protocol.HTTP2;
            h2 = x.getHttp2ProtocolOptions();
            h2Path = opath + ".explicit_http_config.http2_protocol_options";
          } else if (x.hasHttp3ProtocolOptions()) {
            errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), opath + ".explicit_http_config.http3_protocol_options",
                "HTTP/3 upstreams are not supported (supported: http_protocol_options, http2_protocol_options)"));
          } else {
            protocol = Protocol.HTTP1;
          }
        }
        case USE_DOWNSTREAM_PROTOCOL_CONFIG -> {
          protocol = Protocol.DOWNSTREAM;
          if (o.getUseDownstreamProtocolConfig().hasHttp2ProtocolOptions()) {
            h2 = o.getUseDownstreamProtocolConfig().getHttp2ProtocolOptions();
            h2Path = opath + ".use_downstream_protocol_config.http2_protocol_options";
          }
          if (o.getUseDownstreamProtocolConfig().hasHttp3ProtocolOptions()) {
            errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), opath + ".use_downstream_protocol_config.http3_protocol_options",
                "HTTP/3 upstreams are not supported"));
          }
        }
        case AUTO_CONFIG -> errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), opath + ".auto_config",
            "auto_config is not supported (supported: explicit_http_config, use_downstream_protocol_config)"));
        case UPSTREAMPROTOCOLOPTIONS_NOT_SET -> errors.add(Diagnostic.at(ConfigCode.MISSING_VALUE.code(), opath,
            "one of explicit_http_config or use_downstream_protocol_config is required"));
      }
    }
    if (common.hasMaxRequestsPerConnection()) {
      maxRequests = common.getMaxRequestsPerConnection().getValue();
    }
    long idle = millis(common.hasIdleTimeout() ? common.getIdleTimeout() : null, 3_600_000);
    for (FieldDescriptor f : common.getAllFields().keySet()) {
      if (!f.getName().equals("idle_timeout") && !f.getName().equals("max_requests_per_connection")) {
        errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), commonPath + "." + f.getName(),
            "field '" + f.getName() + "' is not supported (supported: idle_timeout, max_requests_per_connection)"));
      }
    }
    warnUnsupported(h2, h2Path, SUPPORTED_H2_FIELDS);
    long maxStreams = h2.hasMaxConcurrentStreams() ? h2.getMaxConcurrentStreams().getValue() : Integer.MAX_VALUE;
    if (maxStreams < 1) {
      errors.add(Diagnostic.at(ConfigCode.BAD_NUMBER.code(), h2Path + ".max_concurrent_streams", "must be at least 1"));
    }
    int streamWindow = h2.hasInitialStreamWindowSize() ? h2.getInitialStreamWindowSize().getValue() : 268_435_456;
    int connWindow = h2.hasInitialConnectionWindowSize() ? h2.getInitialConnectionWindowSize().getValue()
        : 268_435_456;
    if (c.hasHttpProtocolOptions()) {
      warnUnsupported(c.getHttpProtocolOptions(), path + ".http_protocol_options", Set.of());
    }

    UpstreamTls tls = null;
    if (c.hasTransportSocket()) {
      String tpath = path + ".transport_socket";
      Any any = c.getTransportSocket().getTypedConfig();
      if (any.is(UpstreamTlsContext.class)) {
        try {
          tls = UpstreamTls.create(any.unpack(UpstreamTlsContext.class), tpath + ".typed_config", c.getName());
        } catch (InvalidProtocolBufferException e) {
          errors.add(Diagnostic.at(ConfigCode.UNDECODABLE_ANY.code(), tpath + ".typed_config", "cannot decode UpstreamTlsContext"));
        } catch (ConfigException e) {
          errors.addAll(e.diagnostics());
        }
      } else if (!any.getTypeUrl().endsWith("envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer")) {
        errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), tpath + ".typed_config", "type '" + any.getTypeUrl() + "' is not supported "
            + "(supported: envoy.transport_sockets.tls UpstreamTlsContext, envoy.transport_sockets.raw_buffer)"));
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return new ClusterConfig(c.getName(), type, connectTimeout, endpoints, refresh, failureRefresh, failureMax,
        c.getRespectDnsTtl(), c.getDnsLookupFamily(), List.copyOf(resolvers), useTcp, protocol, maxRequests, idle,
        maxStreams, streamWindow, connWindow, h2.hasHpackTableSize() ? h2.getHpackTableSize().getValue() : 4096,
        c.hasPerConnectionBufferLimitBytes() ? c.getPerConnectionBufferLimitBytes().getValue() : 1 << 20, tls);
  }

  private static void warnUnsupported(Message m, String path, Set<String> supported) {
    for (FieldDescriptor f : m.getAllFields().keySet()) {
      if (!supported.contains(f.getName())) {
        LOG.warning(() -> path + "." + f.getName() + ": not implemented by Trellis; Netty's default applies");
      }
    }
  }

  private static List<EndpointSpec> endpoints(io.envoyproxy.envoy.config.cluster.v3.Cluster c, DiscoveryType type,
      String path, List<Diagnostic> errors) {
    List<EndpointSpec> out = new ArrayList<>();
    var la = c.getLoadAssignment();
    if (la.hasPolicy() || la.getNamedEndpointsCount() > 0) {
      errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), path, "load_assignment.policy and named_endpoints are not supported"));
    }
    for (int g = 0; g < la.getEndpointsCount(); g++) {
      LocalityLbEndpoints group = la.getEndpoints(g);
      String gpath = path + ".endpoints[" + g + "]";
      if (group.hasLedsClusterLocalityConfig()) {
        errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), gpath + ".leds_cluster_locality_config", "LEDS is not supported"));
      }
      int localityWeight = group.hasLoadBalancingWeight() ? group.getLoadBalancingWeight().getValue() : 0;
      for (int e = 0; e < group.getLbEndpointsCount(); e++) {
        LbEndpoint lb = group.getLbEndpoints(e);
        String epath = gpath + ".lb_endpoints[" + e + "]";
        if (!lb.hasEndpoint()) {
          errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), epath + ".endpoint", "an lb_endpoint needs an endpoint "
              + "(endpoint_name is not supported)"));
          continue;
        }
        var ep = lb.getEndpoint();
        String apath = epath + ".endpoint.address";
        if (!ep.getAddress().hasSocketAddress()) {
          errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), apath, "only socket_address is supported (no pipe or envoy_internal_address)"));
          continue;
        }
        if (ep.getAdditionalAddressesCount() > 0) {
          errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), epath + ".endpoint.additional_addresses", "not supported"));
        }
        SocketAddress sa = ep.getAddress().getSocketAddress();
        String spath = apath + ".socket_address";
        if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
          errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), spath + ".protocol", "only TCP is supported for upstream endpoints"));
        }
        if (!sa.getResolverName().isEmpty()) {
          errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), spath + ".resolver_name", "custom resolvers are not supported"));
        }
        if (sa.hasNamedPort()) {
          errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), spath + ".named_port", "named ports are not supported; use port_value"));
        } else if (sa.getPortValue() < 1 || sa.getPortValue() > 65535) {
          errors.add(Diagnostic.at(ConfigCode.BAD_ADDRESS.code(), spath + ".port_value",
              "value " + sa.getPortValue() + " is not a valid upstream port (1-65535)"));
        }
        if (sa.getAddress().isEmpty()) {
          errors.add(Diagnostic.at(ConfigCode.MISSING_VALUE.code(), spath + ".address", "an address is required"));
        } else if (type == DiscoveryType.STATIC && !isIp(sa.getAddress())) {
          errors.add(Diagnostic.at(ConfigCode.BAD_ADDRESS.code(), spath + ".address", "value '" + sa.getAddress()
              + "' is not an IP address; a STATIC cluster needs IP addresses (use STRICT_DNS or LOGICAL_DNS for names)"));
        }
        int weight = lb.hasLoadBalancingWeight() ? lb.getLoadBalancingWeight().getValue() : 1;
        if (weight < 1) {
          errors.add(Diagnostic.at(ConfigCode.BAD_NUMBER.code(), epath + ".load_balancing_weight", "must be at least 1"));
        }
        boolean healthy = switch (lb.getHealthStatus()) {
          case UNKNOWN, HEALTHY, DEGRADED -> true;
          default -> false; // UNHEALTHY, DRAINING, TIMEOUT: kept in the set, never picked
        };
        out.add(new EndpointSpec(sa.getAddress(), sa.getPortValue(), weight, group.getLocality().getRegion(),
            group.getLocality().getZone(), group.getLocality().getSubZone(), group.getPriority(), localityWeight,
            ep.getHostname(), healthy));
      }
    }
    return out;
  }

  private static InetSocketAddress resolverAddress(Address a, String path, List<Diagnostic> errors) {
    SocketAddress sa = a.getSocketAddress();
    if (!a.hasSocketAddress() || !isIp(sa.getAddress()) || sa.getPortValue() > 65535) {
      errors.add(Diagnostic.at(ConfigCode.BAD_ADDRESS.code(), path + ".socket_address", "a DNS resolver must be an IP socket_address"));
      return InetSocketAddress.createUnresolved("invalid", 53);
    }
    return new InetSocketAddress(InetAddress.ofLiteral(sa.getAddress()), sa.getPortValue() == 0 ? 53
        : sa.getPortValue());
  }

  static boolean isIp(String s) {
    try {
      InetAddress.ofLiteral(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static long millis(Duration d, long dflt) {
    return d == null ? dflt : d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }
}
