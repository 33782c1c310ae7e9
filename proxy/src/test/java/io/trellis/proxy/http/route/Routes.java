package io.trellis.proxy.http.route;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.trellis.common.ConfigException;

/** Test helpers: a RouteConfiguration from YAML, a table from YAML, requests. */
final class Routes {
  static final String PREFIX = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Routes() {}

  static RouteConfiguration config(String yaml) {
    try {
      RouteConfiguration.Builder b = RouteConfiguration.newBuilder();
      JsonFormat.parser().merge(YAML.readTree(yaml).toString(), b);
      return b.build();
    } catch (Exception e) {
      throw new IllegalArgumentException("bad test YAML: " + e.getMessage(), e);
    }
  }

  static RouteTable table(String yaml) {
    try {
      return RouteTable.compile(config(yaml), PREFIX);
    } catch (ConfigException e) {
      throw new AssertionError("unexpected config error: " + e.getMessage(), e);
    }
  }

  /** A GET request; {@code headers} are name, value pairs. */
  static RequestHead req(String authority, String path, String... headers) {
    return reqm("GET", authority, path, headers);
  }

  static RequestHead reqm(String method, String authority, String path, String... headers) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1]);
    }
    return RequestHead.of(method, path, authority, "http", h);
  }

  /** The cluster a request goes to, "redirect", "direct", or null for no match. */
  static String target(RouteTable t, RequestHead r) {
    RouteMatch m = t.match(r, 0);
    if (m == null) {
      return null;
    }
    return m.isClusterRoute() ? m.clusterName() : m.isRedirect() ? "redirect" : "direct";
  }
}
