package io.trellis.proxy.upstream;

/**
 * What a load balancer may look at when it picks a host: a hash for consistent hashing (computed from the route's
 * hash policy), and hosts to avoid on a retry. {@link #NONE} for plain round robin.
 */
public interface LoadBalancerContext {
  LoadBalancerContext NONE = new LoadBalancerContext() {};

  /** A hash of the request for ring hash and Maglev, or -1 when the route has no hash policy. */
  default long hashKey() {
    return -1;
  }

  /** True when the balancer should try another host than {@code host} (retry host predicates). */
  default boolean shouldSkip(Host host) {
    return false;
  }
}
