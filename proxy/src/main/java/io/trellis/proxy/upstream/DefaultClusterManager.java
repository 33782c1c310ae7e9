package io.trellis.proxy.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.common.Diagnostic;
import io.trellis.proxy.stats.StatsStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Builds the bootstrap's clusters (STATIC, STRICT_DNS, LOGICAL_DNS) and holds them by name. Every cluster is validated
 * first and all problems are reported together; DNS clusters get their first resolution before {@link #create}
 * returns (bounded), like Envoy's cluster warming before listeners start.
 */
public final class DefaultClusterManager implements ClusterManager, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DefaultClusterManager.class.getName());
  /** How long create() waits for the first DNS answers of all DNS clusters. */
  static final long WARMING_TIMEOUT_MILLIS = 10_000;

  private final Map<String, Cluster> clusters;

  private DefaultClusterManager(Map<String, Cluster> clusters) {
    this.clusters = clusters;
  }

  /**
   * Validates and creates the clusters. {@code workers} provides the event loops DNS resolution runs on;
   * {@code blocking} runs the JDK resolver fallback. Must not be called on an event loop (it waits for DNS warming).
   */
  public static DefaultClusterManager create(List<io.envoyproxy.envoy.config.cluster.v3.Cluster> protos,
      StatsStore stats, EventLoopGroup workers, Executor blocking) throws ConfigException {
    List<Diagnostic> errors = new ArrayList<>();
    List<ClusterConfig> configs = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < protos.size(); i++) {
      String path = "static_resources.clusters[" + i + "]";
      try {
        ClusterConfig cc = ClusterConfig.parse(protos.get(i), path);
        if (!names.add(cc.name())) {
          errors.add(Diagnostic.at(ConfigCode.DUPLICATE_CLUSTER.code(), path + ".name", "duplicate cluster name '" + cc.name() + "'"));
        }
        configs.add(cc);
      } catch (ConfigException e) {
        errors.addAll(e.diagnostics());
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    Map<String, Cluster> byName = new LinkedHashMap<>();
    List<CompletableFuture<Void>> warming = new ArrayList<>();
    for (ClusterConfig cc : configs) {
      EventLoop loop = workers.next();
      UpstreamCluster c = new UpstreamCluster(cc, stats, loop, blocking);
      byName.put(cc.name(), c);
      warming.add(c.initialized());
    }
    DefaultClusterManager manager = new DefaultClusterManager(Map.copyOf(byName));
    try {
      CompletableFuture.allOf(warming.toArray(CompletableFuture[]::new))
          .get(WARMING_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warning("DNS clusters still warming after " + WARMING_TIMEOUT_MILLIS + " ms; starting without them");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      LOG.warning("cluster warming failed: " + e.getCause());
    }
    return manager;
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
  public void close() {
    for (Cluster c : clusters.values()) {
      if (c instanceof AutoCloseable a) {
        try {
          a.close();
        } catch (Exception e) {
          LOG.warning("closing cluster " + c.name() + ": " + e);
        }
      }
    }
  }
}
