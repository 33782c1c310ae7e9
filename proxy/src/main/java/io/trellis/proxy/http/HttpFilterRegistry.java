package io.trellis.proxy.http;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import io.trellis.proxy.server.FactoryContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps {@code http_filters[]} entries to {@link HttpFilterFactory}s by the type URL of their {@code typed_config}
 * (the name when there is no typed config), like Envoy's registry. The router is built in; other filters (fault,
 * rbac, ratelimit...) register a {@link Provider} here. Unknown filters are a {@link ConfigException} naming them,
 * unless the entry is {@code is_optional}.
 */
public final class HttpFilterRegistry {
  /** The router's extension name and config type URL. */
  public static final String ROUTER_NAME = "envoy.filters.http.router";
  public static final String ROUTER_TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

  /** Builds one filter kind from its typed config. */
  public interface Provider {
    /** The extension name, e.g. {@code envoy.filters.http.fault}. */
    String name();

    /** The typed_config type URL, e.g. {@code type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault}. */
    String typeUrl();

    HttpFilterFactory create(Any typedConfig, String path, FactoryContext context) throws ConfigException;
  }

  private static final Map<String, Provider> BY_TYPE_URL = new ConcurrentHashMap<>();
  private static final Map<String, Provider> BY_NAME = new ConcurrentHashMap<>();

  private HttpFilterRegistry() {}

  /** Registers a provider; later registrations of the same type URL replace earlier ones. */
  public static void register(Provider provider) {
    BY_TYPE_URL.put(provider.typeUrl(), provider);
    BY_NAME.put(provider.name(), provider);
  }

  /** The filter chain of one connection manager, without the router (which must be last). */
  static List<HttpFilterFactory> build(List<HttpFilter> filters, String path, FactoryContext context)
      throws ConfigException {
    List<Diagnostic> problems = new ArrayList<>();
    List<HttpFilterFactory> out = new ArrayList<>();
    if (filters.isEmpty()) {
      throw ConfigException.of("TRLS0101", path + ".http_filters",
          "no HTTP filters: the last one must be " + ROUTER_NAME);
    }
    for (int i = 0; i < filters.size(); i++) {
      HttpFilter f = filters.get(i);
      String at = path + ".http_filters[" + i + "]";
      boolean last = i == filters.size() - 1;
      if (f.hasConfigDiscovery()) {
        problems.add(Diagnostic.at("TRLS0102", at + ".config_discovery",
            "filter '" + f.getName() + "': config_discovery (ECDS) is not supported; use typed_config"));
        continue;
      }
      if (f.getDisabled()) {
        problems.add(Diagnostic.at("TRLS0102", at + ".disabled",
            "filter '" + f.getName() + "': disabled filters are not supported (remove the entry)"));
        continue;
      }
      String typeUrl = f.hasTypedConfig() ? f.getTypedConfig().getTypeUrl() : "";
      boolean isRouter = typeUrl.equals(ROUTER_TYPE_URL) || (typeUrl.isEmpty() && f.getName().equals(ROUTER_NAME));
      if (isRouter) {
        if (f.hasTypedConfig()) {
          try {
            io.envoyproxy.envoy.extensions.filters.http.router.v3.Router router =
                f.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.class);
            router.getAllFields().keySet().forEach(fd -> problems.add(Diagnostic.at("TRLS0105",
                at + ".typed_config." + fd.getName(), "router field is not supported by Trellis")));
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            problems.add(Diagnostic.at("TRLS0105", at + ".typed_config", "invalid Router config: " + e.getMessage()));
          }
        }
        if (!last) {
          problems.add(Diagnostic.at("TRLS0103", at, "the router must be the last HTTP filter"));
        }
        continue;
      }
      if (last) {
        problems.add(Diagnostic.at("TRLS0103", at,
            "the last HTTP filter must be " + ROUTER_NAME + ", found '" + f.getName() + "'"));
      }
      Provider p = typeUrl.isEmpty() ? BY_NAME.get(f.getName()) : BY_TYPE_URL.get(typeUrl);
      if (p == null) {
        if (f.getIsOptional()) {
          continue;
        }
        problems.add(Diagnostic.at("TRLS0104", at, "unknown HTTP filter '" + f.getName() + "'"
            + (typeUrl.isEmpty() ? "" : " (typed_config " + typeUrl + ")") + "; supported: " + supported()));
        continue;
      }
      try {
        out.add(p.create(f.getTypedConfig(), at + ".typed_config", context));
      } catch (ConfigException e) {
        problems.addAll(e.diagnostics());
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return List.copyOf(out);
  }

  static String supported() {
    Map<String, String> names = new TreeMap<>();
    names.put(ROUTER_NAME, ROUTER_TYPE_URL);
    BY_NAME.forEach((n, p) -> names.put(n, p.typeUrl()));
    return String.join(", ", names.keySet());
  }
}
