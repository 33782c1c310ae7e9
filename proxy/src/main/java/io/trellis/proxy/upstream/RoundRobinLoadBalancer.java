package io.trellis.proxy.upstream;

import java.util.List;

/**
 * Envoy's {@code ROUND_ROBIN}: plain rotation when every host has the same weight, otherwise weighted round robin by
 * an earliest-deadline-first schedule (each host is due again {@code 1/weight} after it was picked; ties go to the host
 * earlier in config order), which interleaves hosts instead of sending bursts. O(log n) per pick, no allocation.
 * Not thread-safe: one instance per event loop.
 */
public final class RoundRobinLoadBalancer implements LoadBalancer {
  private final Host[] hosts;
  private final boolean weighted;
  private int next;
  // EDF binary min-heap over host indexes, keyed by (deadline, index).
  private final int[] heap;
  private final double[] deadline;
  private final double[] step;

  public RoundRobinLoadBalancer(List<Host> hosts, int start) {
    this.hosts = hosts.toArray(new Host[0]);
    boolean w = false;
    for (Host h : this.hosts) {
      w |= h.weight() != this.hosts[0].weight();
    }
    this.weighted = w;
    this.next = this.hosts.length == 0 ? 0 : Math.floorMod(start, this.hosts.length);
    int n = weighted ? this.hosts.length : 0;
    heap = new int[n];
    deadline = new double[n];
    step = new double[n];
    for (int i = 0; i < n; i++) {
      step[i] = 1.0 / Math.max(1, this.hosts[i].weight());
      deadline[i] = step[i];
      heap[i] = i;
    }
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(i);
    }
  }

  @Override
  public Host choose(LoadBalancerContext context) {
    int n = hosts.length;
    if (n == 0) {
      return null;
    }
    Host first = pick();
    if (context == LoadBalancerContext.NONE || !context.shouldSkip(first)) {
      return first;
    }
    for (int i = 1; i < n; i++) {
      Host h = pick();
      if (!context.shouldSkip(h)) {
        return h;
      }
    }
    return first; // every host is to be skipped: Envoy then uses the last pick anyway
  }

  private Host pick() {
    if (!weighted) {
      Host h = hosts[next];
      next = next + 1 == hosts.length ? 0 : next + 1;
      return h;
    }
    int i = heap[0];
    deadline[i] += step[i];
    siftDown(0);
    return hosts[i];
  }

  private boolean less(int a, int b) {
    return deadline[a] < deadline[b] || (deadline[a] == deadline[b] && a < b);
  }

  private void siftDown(int pos) {
    int n = heap.length;
    int item = heap[pos];
    while (true) {
      int child = 2 * pos + 1;
      if (child >= n) {
        break;
      }
      if (child + 1 < n && less(heap[child + 1], heap[child])) {
        child++;
      }
      if (!less(heap[child], item)) {
        break;
      }
      heap[pos] = heap[child];
      pos = child;
    }
    heap[pos] = item;
  }
}
