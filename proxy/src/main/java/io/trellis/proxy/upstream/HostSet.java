package io.trellis.proxy.upstream;

import java.util.List;
import java.util.Set;

/**
 * One immutable version of a cluster's hosts. {@code active} is what the load balancer picks from: the healthy hosts
 * of priority 0, or of the lowest priority that has healthy hosts when priority 0 has none (priority spill-over by
 * health percentage comes with health checking).
 *
 * @param all every host, all priorities, in config order
 * @param unhealthy hosts whose health_status is UNHEALTHY, DRAINING or TIMEOUT (kept, never picked)
 * @param active the hosts the load balancer picks from
 * @param version increases with every update, so per-loop balancers can see they are stale
 */
record HostSet(List<Host> all, Set<Host> unhealthy, List<Host> active, long version) {
  static final HostSet EMPTY = new HostSet(List.of(), Set.of(), List.of(), 0);

  static HostSet of(List<Host> hosts, long version) {
    return of(hosts, Set.of(), version);
  }

  static HostSet of(List<Host> hosts, Set<Host> unhealthy, long version) {
    int best = Integer.MAX_VALUE;
    for (Host h : hosts) {
      if (!unhealthy.contains(h)) {
        best = Math.min(best, h.priority());
      }
    }
    int chosen = best;
    List<Host> active = hosts.stream().filter(h -> h.priority() == chosen && !unhealthy.contains(h)).toList();
    return new HostSet(List.copyOf(hosts), Set.copyOf(unhealthy), active, version);
  }

  int healthyCount() {
    return (int) all.stream().filter(h -> !unhealthy.contains(h)).count();
  }
}
