package io.trellis.proxy.network;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.proxy.http.HttpConnectionManagerFactory;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.tcp.TcpProxyFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The registry of network filters: turns {@code filter_chains[].filters[]} into {@link NetworkFilterFactory}s,
 * dispatching on the {@code typed_config} type URL (the filter's {@code name} is informational, as in Envoy).
 */
public final class NetworkFilters {
  static final String TCP_PROXY = "type.googleapis.com/" + TcpProxy.getDescriptor().getFullName();
  static final String HCM = "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName();

  private NetworkFilters() {}

  /** Builds one filter; {@code path} is the filter's config path ({@code ...filter_chains[0].filters[0]}). */
  public static NetworkFilterFactory create(Filter proto, String path, FactoryContext context)
      throws ConfigException {
    SupportedFields.check(proto, path, Set.of("name", "typed_config"));
    if (!proto.hasTypedConfig()) {
      throw ConfigException.of(ConfigCode.WRONG_SLOT.code(), path + ".typed_config", "network filter '" + proto.getName()
          + "' has no typed_config; supported: " + TCP_PROXY + ", " + HCM);
    }
    Any any = proto.getTypedConfig();
    String typedPath = path + ".typed_config";
    try {
      if (any.getTypeUrl().equals(TCP_PROXY)) {
        return TcpProxyFactory.create(any.unpack(TcpProxy.class), typedPath, context);
      }
      if (any.getTypeUrl().equals(HCM)) {
        return HttpConnectionManagerFactory.create(any.unpack(HttpConnectionManager.class), typedPath, context);
      }
    } catch (InvalidProtocolBufferException e) {
      throw ConfigException.of(ConfigCode.UNDECODABLE_ANY.code(), typedPath, "cannot decode " + any.getTypeUrl() + ": " + e.getMessage());
    }
    throw ConfigException.of(ConfigCode.WRONG_SLOT.code(), typedPath + ".@type", "network filter type '" + any.getTypeUrl()
        + "' is not supported (supported: " + TCP_PROXY + ", " + HCM + ")");
  }

  /**
   * Builds a chain's filters. Every filter Trellis has is terminal, so a chain has exactly one filter: tcp_proxy or
   * http_connection_manager, last.
   */
  public static List<NetworkFilterFactory> createChain(List<Filter> filters, String path, FactoryContext context)
      throws ConfigException {
    if (filters.isEmpty()) {
      throw ConfigException.of(ConfigCode.NOT_TERMINAL.code(), path + ".filters", "a filter chain needs a terminal network filter "
          + "(envoy.filters.network.tcp_proxy or envoy.filters.network.http_connection_manager)");
    }
    List<NetworkFilterFactory> out = new ArrayList<>();
    for (int i = 0; i < filters.size(); i++) {
      String fp = path + ".filters[" + i + "]";
      NetworkFilterFactory f = create(filters.get(i), fp, context);
      if (i < filters.size() - 1) {
        throw ConfigException.of(ConfigCode.NOT_TERMINAL.code(), fp, "terminal filter '" + filters.get(i).getName()
            + "' must be the last filter of the chain");
      }
      out.add(f);
    }
    return List.copyOf(out);
  }
}
