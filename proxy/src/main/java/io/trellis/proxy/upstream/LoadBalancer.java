package io.trellis.proxy.upstream;

/**
 * Picks a host from one {@link HostSet}. One instance per event loop and host-set version: instances are confined to
 * their loop's thread and need no synchronisation.
 */
public interface LoadBalancer {
  /** A host, or null when there is none (or every host is skipped by {@code context}). */
  Host choose(LoadBalancerContext context);
}
