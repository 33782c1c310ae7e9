package io.trellis.proxy.http;

import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.UpgradeConfig;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import io.trellis.proxy.accesslog.AccessLog;
import io.trellis.proxy.accesslog.AccessLogs;
import io.trellis.proxy.http.route.RouteTable;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.upstream.Cluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the {@code envoy.filters.network.http_connection_manager} network filter from its config: validates every
 * field (unsupported ones are errors, never ignored), compiles the route table and filter chain, looks stats up, and
 * returns the per-connection installer.
 */
public final class HttpConnectionManagerFactory {
  /** Envoy's edge defaults. */
  static final int DEFAULT_MAX_REQUEST_HEADERS_KB = 60;
  static final int DEFAULT_MAX_HEADERS_COUNT = 100;
  static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
  static final int DEFAULT_STREAM_WINDOW = 64 * 1024;
  static final int DEFAULT_CONNECTION_WINDOW = 1024 * 1024;
  static final long DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
  static final long DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;
  static final long DEFAULT_DRAIN_TIMEOUT_MS = 5_000;

  private static final Set<String> SUPPORTED = Set.of("stat_prefix", "codec_type", "route_config", "http_filters",
      "access_log", "use_remote_address", "xff_num_trusted_hops", "generate_request_id",
      "preserve_external_request_id", "server_name", "server_header_transformation", "stream_idle_timeout",
      "request_timeout", "request_headers_timeout", "common_http_protocol_options", "http_protocol_options",
      "http2_protocol_options", "max_request_headers_kb", "upgrade_configs", "drain_timeout");
  private static final Set<String> SUPPORTED_COMMON = Set.of("idle_timeout", "max_headers_count",
      "headers_with_underscores_action");
  private static final Set<String> SUPPORTED_H1 = Set.of();
  private static final Set<String> SUPPORTED_H2 = Set.of("max_concurrent_streams", "initial_stream_window_size",
      "initial_connection_window_size", "max_outbound_control_frames",
      "max_consecutive_inbound_frames_with_empty_payload", "max_inbound_priority_frames_per_stream",
      "max_inbound_window_update_frames_per_data_frame_sent");
  private static final Set<String> SUPPORTED_UPGRADE = Set.of("upgrade_type", "enabled");

  private HttpConnectionManagerFactory() {}

  /**
   * @param config the filter's typed_config
   * @param path the config path of the filter, for errors ({@code static_resources.listeners[0].filter_chains[0]
   *     .filters[0].typed_config})
   */
  public static NetworkFilterFactory create(HttpConnectionManager config, String path, FactoryContext context)
      throws ConfigException {
    HcmConfig hcm = compile(config, path, context);
    ChannelGroup connections = new DefaultChannelGroup("hcm-" + hcm.statPrefix(), GlobalEventExecutor.INSTANCE);
    context.serverState().onDrain(() -> {
      for (Channel ch : connections) {
        ch.eventLoop().execute(() -> ConnectionSupport.startDrain(ch));
      }
    });
    return new Installer(hcm, connections);
  }

  /** The per-connection installer; one per config. */
  private record Installer(HcmConfig config, ChannelGroup connections) implements NetworkFilterFactory {
    @Override
    public void install(Channel channel, DownstreamConnection connection) {
      connections.add(channel);
      ConnectionSupport.install(config, channel, connection);
    }
  }

  static HcmConfig compile(HttpConnectionManager c, String path, FactoryContext context) throws ConfigException {
    List<Diagnostic> problems = new ArrayList<>();
    unsupported(c, SUPPORTED, path, problems);
    if (c.getStatPrefix().isEmpty()) {
      problems.add(Diagnostic.at("TRLS0110", path + ".stat_prefix", "stat_prefix is required"));
    }
    HcmConfig.Codec codec = switch (c.getCodecType()) {
      case AUTO -> HcmConfig.Codec.AUTO;
      case HTTP1 -> HcmConfig.Codec.HTTP1;
      case HTTP2 -> HcmConfig.Codec.HTTP2;
      default -> {
        problems.add(Diagnostic.at("TRLS0111", path + ".codec_type",
            "value '" + c.getCodecType() + "' is not supported (supported: AUTO, HTTP1, HTTP2)"));
        yield HcmConfig.Codec.AUTO;
      }
    };
    int headersKb = c.hasMaxRequestHeadersKb() ? c.getMaxRequestHeadersKb().getValue() : DEFAULT_MAX_REQUEST_HEADERS_KB;
    if (headersKb < 1 || headersKb > 8192) {
      problems.add(Diagnostic.at("TRLS0112", path + ".max_request_headers_kb",
          "value " + headersKb + " is out of range (1..8192)"));
    }
    HttpProtocolOptions common = c.getCommonHttpProtocolOptions();
    unsupported(common, SUPPORTED_COMMON, path + ".common_http_protocol_options", problems);
    unsupported(c.getHttpProtocolOptions(), SUPPORTED_H1, path + ".http_protocol_options", problems);
    int maxHeaders = common.hasMaxHeadersCount() ? common.getMaxHeadersCount().getValue() : DEFAULT_MAX_HEADERS_COUNT;
    if (maxHeaders < 1) {
      problems.add(Diagnostic.at("TRLS0112", path + ".common_http_protocol_options.max_headers_count",
          "value " + maxHeaders + " must be at least 1"));
    }
    HcmConfig.Underscores underscores = switch (common.getHeadersWithUnderscoresAction()) {
      case ALLOW -> HcmConfig.Underscores.ALLOW;
      case REJECT_REQUEST -> HcmConfig.Underscores.REJECT_REQUEST;
      case DROP_HEADER -> HcmConfig.Underscores.DROP_HEADER;
      default -> HcmConfig.Underscores.ALLOW;
    };
    Http2ProtocolOptions h2o = c.getHttp2ProtocolOptions();
    unsupported(h2o, SUPPORTED_H2, path + ".http2_protocol_options", problems);
    HcmConfig.H2Settings h2 = new HcmConfig.H2Settings(
        h2o.hasMaxConcurrentStreams() ? h2o.getMaxConcurrentStreams().getValue() : DEFAULT_MAX_CONCURRENT_STREAMS,
        h2o.hasInitialStreamWindowSize() ? h2o.getInitialStreamWindowSize().getValue() : DEFAULT_STREAM_WINDOW,
        h2o.hasInitialConnectionWindowSize() ? h2o.getInitialConnectionWindowSize().getValue()
            : DEFAULT_CONNECTION_WINDOW,
        h2o.hasMaxOutboundControlFrames() ? h2o.getMaxOutboundControlFrames().getValue() : 1000,
        h2o.hasMaxConsecutiveInboundFramesWithEmptyPayload()
            ? h2o.getMaxConsecutiveInboundFramesWithEmptyPayload().getValue() : 1,
        200, 30, 16,
        h2o.hasMaxInboundPriorityFramesPerStream() ? h2o.getMaxInboundPriorityFramesPerStream().getValue() : 100,
        h2o.hasMaxInboundWindowUpdateFramesPerDataFrameSent()
            ? h2o.getMaxInboundWindowUpdateFramesPerDataFrameSent().getValue() : 10);
    if (h2.initialStreamWindow() < 65535 || h2.initialConnectionWindow() < 65535) {
      problems.add(Diagnostic.at("TRLS0112", path + ".http2_protocol_options",
          "initial_stream_window_size and initial_connection_window_size must be at least 65535"));
    }
    boolean websocket = false;
    for (int i = 0; i < c.getUpgradeConfigsCount(); i++) {
      UpgradeConfig u = c.getUpgradeConfigs(i);
      String at = path + ".upgrade_configs[" + i + "]";
      unsupported(u, SUPPORTED_UPGRADE, at, problems);
      if (u.getUpgradeType().equalsIgnoreCase("websocket")) {
        websocket = !u.hasEnabled() || u.getEnabled().getValue();
      } else {
        problems.add(Diagnostic.at("TRLS0113", at + ".upgrade_type",
            "value '" + u.getUpgradeType() + "' is not supported (supported: websocket)"));
      }
    }
    RouteTable routes = null;
    if (c.hasRds() || c.hasScopedRoutes()) {
      problems.add(Diagnostic.at("TRLS0114", path + (c.hasRds() ? ".rds" : ".scoped_routes"),
          "dynamic route configuration is not supported yet; use an inline route_config"));
    } else if (!c.hasRouteConfig()) {
      problems.add(Diagnostic.at("TRLS0114", path + ".route_config", "route_config is required"));
    } else {
      try {
        routes = RouteTable.compile(c.getRouteConfig(), path + ".route_config");
      } catch (ConfigException e) {
        problems.addAll(e.diagnostics());
      }
    }
    List<HttpFilterFactory> filters = List.of();
    try {
      filters = HttpFilterRegistry.build(c.getHttpFiltersList(), path, context);
    } catch (ConfigException e) {
      problems.addAll(e.diagnostics());
    }
    AccessLog accessLog = AccessLog.NONE;
    try {
      accessLog = AccessLogs.create(c.getAccessLogList(), path + ".access_log", context);
    } catch (ConfigException e) {
      problems.addAll(e.diagnostics());
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    HcmConfig.ServerHeader serverHeader = switch (c.getServerHeaderTransformation()) {
      case APPEND_IF_ABSENT -> HcmConfig.ServerHeader.APPEND_IF_ABSENT;
      case PASS_THROUGH -> HcmConfig.ServerHeader.PASS_THROUGH;
      default -> HcmConfig.ServerHeader.OVERWRITE;
    };
    boolean validateClusters = !c.getRouteConfig().hasValidateClusters()
        || c.getRouteConfig().getValidateClusters().getValue();
    if (validateClusters) {
      List<String> missing = routes.referencedClusters().stream()
          .filter(n -> context.clusterManager().get(n) == null).sorted().toList();
      if (!missing.isEmpty()) {
        throw ConfigException.of("TRLS0116", path + ".route_config", "routes name unknown cluster(s) "
            + missing + " (define them, or set validate_clusters: false to answer cluster_not_found at run time)");
      }
    }
    ConcurrentHashMap<String, UpstreamRequestStats> clusterStats = new ConcurrentHashMap<>();
    for (String name : routes.referencedClusters()) {
      Cluster cluster = context.clusterManager().get(name);
      if (cluster != null) {
        clusterStats.put(name, new UpstreamRequestStats(cluster.stats()));
      }
    }
    return new HcmConfig(c.getStatPrefix(), codec, headersKb * 1024, maxHeaders, underscores, h2,
        millis(c.hasStreamIdleTimeout() ? c.getStreamIdleTimeout() : null, DEFAULT_STREAM_IDLE_TIMEOUT_MS),
        millis(c.hasRequestTimeout() ? c.getRequestTimeout() : null, 0),
        millis(c.hasRequestHeadersTimeout() ? c.getRequestHeadersTimeout() : null, 0),
        millis(common.hasIdleTimeout() ? common.getIdleTimeout() : null, DEFAULT_IDLE_TIMEOUT_MS),
        millis(c.hasDrainTimeout() ? c.getDrainTimeout() : null, DEFAULT_DRAIN_TIMEOUT_MS),
        c.getServerName().isEmpty() ? "trellis" : c.getServerName(), serverHeader, websocket,
        c.hasUseRemoteAddress() && c.getUseRemoteAddress().getValue(), c.getXffNumTrustedHops(),
        !c.hasGenerateRequestId() || c.getGenerateRequestId().getValue(), c.getPreserveExternalRequestId(),
        routes, filters, accessLog, HcmStats.create(context.stats(), c.getStatPrefix()), context, clusterStats);
  }

  private static long millis(Duration d, long dflt) {
    return d == null ? dflt : d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }

  private static void unsupported(Message m, Set<String> supported, String path, List<Diagnostic> problems) {
    m.getAllFields().keySet().forEach(f -> {
      if (!supported.contains(f.getName())) {
        problems.add(Diagnostic.at("TRLS0115", path + "." + f.getName(), "field is not supported by Trellis"
            + (supported.isEmpty() ? "" : " (supported here: " + String.join(", ", supported.stream().sorted()
                .toList()) + ")")));
      }
    });
  }
}
