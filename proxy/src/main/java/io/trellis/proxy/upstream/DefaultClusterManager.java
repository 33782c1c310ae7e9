package io.trellis.proxy.upstream;

import io.netty.channel.EventLoopGroup;
import io.trellis.common.ConfigException;
import io.trellis.proxy.stats.StatsStore;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Builds the static clusters of the bootstrap and holds them by name.
 *
 * <p>TODO(upstream): DNS clusters, pools, TLS; this first version supports STATIC clusters with round robin.
 */
public final class DefaultClusterManager implements ClusterManager, AutoCloseable {
  private final Map<String, Cluster> clusters;

  private DefaultClusterManager(Map<String, Cluster> clusters) {
    this.clusters = clusters;
  }

  public static DefaultClusterManager create(List<io.envoyproxy.envoy.config.cluster.v3.Cluster> protos,
      StatsStore stats, EventLoopGroup workers, Executor blocking) throws ConfigException {
    Map<String, Cluster> byName = new LinkedHashMap<>();
    for (int i = 0; i < protos.size(); i++) {
      io.envoyproxy.envoy.config.cluster.v3.Cluster c = protos.get(i);
      byName.put(c.getName(), StaticCluster.create(c, "static_resources.clusters[" + i + "]", stats));
    }
    return new DefaultClusterManager(Map.copyOf(byName));
  }

  @Override
  public Cluster get(String name) {
    return clusters.get(name);
  }

  @Override
  public Collection<Cluster> clusters() {
    return clusters.values();
  }

  @Override
  public void close() {}
}
