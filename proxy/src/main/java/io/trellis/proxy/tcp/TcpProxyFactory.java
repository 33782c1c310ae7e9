package io.trellis.proxy.tcp;

import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.netty.channel.Channel;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.proxy.accesslog.AccessLog;
import io.trellis.proxy.accesslog.AccessLogs;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.network.SupportedFields;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.upstream.Cluster;
import io.trellis.proxy.upstream.ClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds the {@code envoy.filters.network.tcp_proxy} network filter: per connection, pick a cluster ({@code cluster}
 * or {@code weighted_clusters}), a host, connect, and pipe bytes both ways with backpressure and half-close.
 */
public final class TcpProxyFactory {
  private static final Set<String> FIELDS = Set.of("stat_prefix", "cluster", "weighted_clusters", "idle_timeout",
      "access_log", "max_connect_attempts", "max_downstream_connection_duration");
  /** Envoy's default tcp_proxy idle_timeout: 1 hour. */
  static final long DEFAULT_IDLE_MILLIS = 3_600_000;

  private TcpProxyFactory() {}

  public static NetworkFilterFactory create(TcpProxy config, String path, FactoryContext context)
      throws ConfigException {
    SupportedFields.check(config, path, FIELDS);
    if (config.getStatPrefix().isEmpty()) {
      throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), path + ".stat_prefix", "tcp_proxy needs a stat_prefix");
    }
    List<String> names = new ArrayList<>();
    long[] cumulative;
    switch (config.getClusterSpecifierCase()) {
      case CLUSTER -> {
        names.add(config.getCluster());
        cumulative = new long[] {1};
      }
      case WEIGHTED_CLUSTERS -> {
        var wc = config.getWeightedClusters();
        String wp = path + ".weighted_clusters";
        SupportedFields.check(wc, wp, Set.of("clusters"));
        if (wc.getClustersCount() == 0) {
          throw ConfigException.of(ConfigCode.ZERO_WEIGHTS.code(), wp + ".clusters", "weighted_clusters needs at least one cluster");
        }
        cumulative = new long[wc.getClustersCount()];
        long total = 0;
        for (int i = 0; i < wc.getClustersCount(); i++) {
          var c = wc.getClusters(i);
          SupportedFields.check(c, wp + ".clusters[" + i + "]", Set.of("name", "weight"));
          if (c.getName().isEmpty()) {
            throw ConfigException.of(ConfigCode.ZERO_WEIGHTS.code(), wp + ".clusters[" + i + "].name", "cluster name is empty");
          }
          total += c.getWeight();
          cumulative[i] = total;
          names.add(c.getName());
        }
        if (total == 0) {
          throw ConfigException.of(ConfigCode.ZERO_WEIGHTS.code(), wp, "the weights of weighted_clusters add up to 0");
        }
      }
      default -> throw ConfigException.of(ConfigCode.ZERO_WEIGHTS.code(), path, "tcp_proxy needs cluster or weighted_clusters");
    }
    long idle = config.hasIdleTimeout() ? millis(config.getIdleTimeout()) : DEFAULT_IDLE_MILLIS;
    long maxDuration = config.hasMaxDownstreamConnectionDuration()
        ? millis(config.getMaxDownstreamConnectionDuration()) : 0;
    int attempts = config.hasMaxConnectAttempts() ? config.getMaxConnectAttempts().getValue() : 1;
    if (attempts < 1) {
      throw ConfigException.of(ConfigCode.BAD_NUMBER.code(), path + ".max_connect_attempts", "must be at least 1");
    }
    AccessLog log = AccessLogs.create(config.getAccessLogList(), path + ".access_log", context);
    Settings settings = new Settings(TcpProxyStats.create(context.stats(), "tcp." + config.getStatPrefix() + "."),
        context.clusterManager(), List.copyOf(names), cumulative, idle, maxDuration, attempts, log);
    return new Factory(settings);
  }

  private static long millis(com.google.protobuf.Duration d) {
    return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }

  /** Everything a session needs, shared by all connections of one filter chain. */
  record Settings(TcpProxyStats stats, ClusterManager clusters, List<String> clusterNames, long[] cumulativeWeights,
      long idleTimeoutMillis, long maxDurationMillis, int maxConnectAttempts, AccessLog accessLog,
      Map<Cluster, TcpProxyStats.ClusterCounters> clusterCounters) {

    Settings(TcpProxyStats stats, ClusterManager clusters, List<String> clusterNames, long[] cumulativeWeights,
        long idleTimeoutMillis, long maxDurationMillis, int maxConnectAttempts, AccessLog accessLog) {
      this(stats, clusters, clusterNames, cumulativeWeights, idleTimeoutMillis, maxDurationMillis, maxConnectAttempts,
          accessLog, new ConcurrentHashMap<>());
    }

    /** The cluster name for a new connection (weighted pick when there are several). */
    String pickClusterName() {
      if (clusterNames.size() == 1) {
        return clusterNames.get(0);
      }
      long r = ThreadLocalRandom.current().nextLong(cumulativeWeights[cumulativeWeights.length - 1]);
      for (int i = 0; i < cumulativeWeights.length; i++) {
        if (r < cumulativeWeights[i]) {
          return clusterNames.get(i);
        }
      }
      return clusterNames.get(clusterNames.size() - 1);
    }

    TcpProxyStats.ClusterCounters counters(Cluster cluster) {
      return clusterCounters.computeIfAbsent(cluster, TcpProxyStats.ClusterCounters::create);
    }
  }

  private record Factory(Settings settings) implements NetworkFilterFactory {
    @Override
    public void install(Channel channel, DownstreamConnection connection) {
      new TcpProxySession(settings, channel, connection).start();
    }

    @Override
    public boolean halfCloseAware() {
      return true;
    }
  }
}
