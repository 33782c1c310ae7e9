package io.trellis.api;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Envoy v3 message types Trellis understands inside {@code google.protobuf.Any} ({@code typed_config}), and the
 * well-known extension names that map to them. A type that is not listed here is rejected with an error naming it.
 */
public final class ApiTypes {
  /** Every {@code typed_config} type Trellis implements. Grows as capabilities land. */
  public static final List<Descriptor> SUPPORTED_EXTENSIONS = List.of(
      HttpConnectionManager.getDescriptor(),
      TcpProxy.getDescriptor(),
      Router.getDescriptor(),
      TlsInspector.getDescriptor(),
      HttpInspector.getDescriptor(),
      DownstreamTlsContext.getDescriptor(),
      UpstreamTlsContext.getDescriptor(),
      FileAccessLog.getDescriptor(),
      StdoutAccessLog.getDescriptor(),
      StderrAccessLog.getDescriptor(),
      HttpProtocolOptions.getDescriptor());

  /** Envoy's well-known extension names (the {@code name} field of a filter) to their config type. */
  public static final Map<String, Descriptor> EXTENSION_NAMES = Map.ofEntries(
      Map.entry("envoy.filters.network.http_connection_manager", HttpConnectionManager.getDescriptor()),
      Map.entry("envoy.filters.network.tcp_proxy", TcpProxy.getDescriptor()),
      Map.entry("envoy.filters.http.router", Router.getDescriptor()),
      Map.entry("envoy.filters.listener.tls_inspector", TlsInspector.getDescriptor()),
      Map.entry("envoy.filters.listener.http_inspector", HttpInspector.getDescriptor()),
      Map.entry("envoy.transport_sockets.tls", DownstreamTlsContext.getDescriptor()),
      Map.entry("envoy.access_loggers.file", FileAccessLog.getDescriptor()),
      Map.entry("envoy.access_loggers.stdout", StdoutAccessLog.getDescriptor()),
      Map.entry("envoy.access_loggers.stderr", StderrAccessLog.getDescriptor()),
      Map.entry("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", HttpProtocolOptions.getDescriptor()));

  private static final Map<String, Descriptor> BY_FULL_NAME = SUPPORTED_EXTENSIONS.stream()
      .collect(Collectors.toUnmodifiableMap(Descriptor::getFullName, Function.identity()));

  private static final JsonFormat.TypeRegistry TYPE_REGISTRY =
      JsonFormat.TypeRegistry.newBuilder().add(SUPPORTED_EXTENSIONS).build();

  private ApiTypes() {}

  public static String typeUrl(Descriptor d) {
    return "type.googleapis.com/" + d.getFullName();
  }

  /** The descriptor for a type URL such as {@code type.googleapis.com/envoy.extensions...TcpProxy}, if supported. */
  public static Optional<Descriptor> forTypeUrl(String typeUrl) {
    int slash = typeUrl.lastIndexOf('/');
    return Optional.ofNullable(BY_FULL_NAME.get(slash < 0 ? typeUrl : typeUrl.substring(slash + 1)));
  }

  public static JsonFormat.TypeRegistry typeRegistry() {
    return TYPE_REGISTRY;
  }

  /** The bootstrap root type; kept here so modules name one place for the API version Trellis pins. */
  public static Descriptor bootstrap() {
    return Bootstrap.getDescriptor();
  }
}
