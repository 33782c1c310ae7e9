package io.trellis.proxy.upstream;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/** Builders for cluster protos in tests. */
final class Clusters {
  private Clusters() {}

  static LbEndpoint endpoint(String address, int port, int weight) {
    LbEndpoint.Builder b = LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(
        Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port))));
    if (weight > 0) {
      b.setLoadBalancingWeight(UInt32Value.of(weight));
    }
    return b.build();
  }

  static Cluster.Builder cluster(String name, Cluster.DiscoveryType type, LbEndpoint... endpoints) {
    return Cluster.newBuilder().setName(name).setType(type)
        .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addAllLbEndpoints(java.util.List.of(endpoints))));
  }

  static Cluster.Builder staticCluster(String name, int... ports) {
    LbEndpoint[] eps = new LbEndpoint[ports.length];
    for (int i = 0; i < ports.length; i++) {
      eps[i] = endpoint("127.0.0.1", ports[i], 0);
    }
    return cluster(name, Cluster.DiscoveryType.STATIC, eps);
  }

  /** typed_extension_protocol_options with explicit HTTP/2. */
  static Cluster.Builder http2(Cluster.Builder c, long maxConcurrentStreams) {
    Http2ProtocolOptions.Builder h2 = Http2ProtocolOptions.newBuilder();
    if (maxConcurrentStreams > 0) {
      h2.setMaxConcurrentStreams(UInt32Value.of((int) maxConcurrentStreams));
    }
    return c.putTypedExtensionProtocolOptions(ClusterConfig.HTTP_OPTIONS_KEY, Any.pack(HttpProtocolOptions.newBuilder()
        .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder().setHttp2ProtocolOptions(h2))
        .build()));
  }
}
