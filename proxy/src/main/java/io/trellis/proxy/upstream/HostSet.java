package io.trellis.proxy.upstream;

import java.util.List;

/**
 * One immutable version of a cluster's hosts. {@code active} is the priority the load balancer uses: priority 0, or
 * the lowest non-empty priority when priority 0 has no host (priority spill-over by health comes with health checks).
 *
 * @param all every host, all priorities, in config order
 * @param active the hosts the load balancer picks from
 * @param version increases with every update, so per-loop balancers can see they are stale
 */
record HostSet(List<Host> all, List<Host> active, long version) {
  static final HostSet EMPTY = new HostSet(List.of(), List.of(), 0);

  static HostSet of(List<Host> hosts, long version) {
    int best = Integer.MAX_VALUE;
    for (Host h : hosts) {
      best = Math.min(best, h.priority());
    }
    int chosen = best;
    List<Host> active = hosts.stream().filter(h -> h.priority() == chosen).toList();
    return new HostSet(List.copyOf(hosts), active, version);
  }
}
