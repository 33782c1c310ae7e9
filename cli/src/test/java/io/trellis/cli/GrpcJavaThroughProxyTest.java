package io.trellis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.server.ProxyOptions;
import io.trellis.proxy.server.ProxyServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * grpc-java, a client we did not write, through the proxy to a grpc-java server: unary and server-streaming calls,
 * a non-OK status carried in trailers, and a gRPC error the proxy makes itself when the upstream is gone.
 */
class GrpcJavaThroughProxyTest {
  static Server server;
  static HealthStatusManager health;
  static ProxyServer proxy;
  static ManagedChannel channel;

  static String bootstrap(int upstreamPort) {
    return """
        static_resources:
          listeners:
          - name: grpc
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: grpc
                  codec_type: HTTP2
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/gone/"}
                        route: {cluster: gone}
                      - match: {prefix: "/", grpc: {}}
                        route: {cluster: health}
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
          - name: health
            type: STATIC
            connect_timeout: 1s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
            load_assignment:
              cluster_name: health
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}
          - name: gone
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: gone
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 1}}}
        """.formatted(upstreamPort);
  }

  @BeforeAll
  static void start() throws Exception {
    health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus("reviews", ServingStatus.NOT_SERVING);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(health.getHealthService()).build().start();
    proxy = startProxy(bootstrap(server.getPort()));
    InetSocketAddress addr = proxy.listenerManager().boundAddresses().get("grpc");
    channel = NettyChannelBuilder.forAddress("127.0.0.1", addr.getPort()).usePlaintext().build();
  }

  static ProxyServer startProxy(String yaml) throws ConfigException {
    return ProxyServer.start(BootstrapLoader.parse(yaml, "grpc.yaml"), ProxyOptions.of(Path.of("grpc.yaml")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void unaryCallsPassThrough() {
    HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    for (int i = 0; i < 50; i++) {
      assertThat(stub.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
      assertThat(stub.check(HealthCheckRequest.newBuilder().setService("reviews").build()).getStatus())
          .isEqualTo(ServingStatus.NOT_SERVING);
    }
  }

  @Test
  void errorStatusFromTheServerArrivesIntact() {
    HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stub.check(HealthCheckRequest.newBuilder().setService("nope").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).contains("unknown service");
        });
  }

  @Test
  void serverStreamingDeliversEachMessage() {
    HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    Iterator<HealthCheckResponse> updates = stub.watch(HealthCheckRequest.newBuilder().setService("reviews").build());
    assertThat(updates.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    health.setStatus("reviews", ServingStatus.SERVING);
    assertThat(updates.next().getStatus()).isEqualTo(ServingStatus.SERVING);
    health.setStatus("reviews", ServingStatus.NOT_SERVING);
    assertThat(updates.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
  }

  @Test
  void proxyGeneratedFailureIsAGrpcStatus() {
    // Method "gone/Check" has the path /gone/Check, which routes to cluster 'gone' (nothing listens on its port): the
    // proxy's own 503 (flag UF) must reach a gRPC caller as a gRPC status, not as an HTTP error it cannot read.
    io.grpc.MethodDescriptor<HealthCheckRequest, HealthCheckResponse> check = HealthGrpc.getCheckMethod().toBuilder()
        .setFullMethodName("gone/Check").build();
    assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(channel, check,
        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), HealthCheckRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }
}
