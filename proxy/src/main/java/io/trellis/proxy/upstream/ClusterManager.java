package io.trellis.proxy.upstream;

import java.util.Collection;

/** All clusters of the proxy by name. Lookups happen when config is applied, not per request. */
public interface ClusterManager {
  /** The cluster, or null when there is none of that name. */
  Cluster get(String name);

  Collection<Cluster> clusters();
}
