package io.trellis.proxy.http;

import io.trellis.proxy.stats.Counter;
import io.trellis.proxy.stats.Histogram;
import io.trellis.proxy.stats.StatsStore;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The router's per-cluster request stats under {@code cluster.<name>.} (connection-level ones belong to the upstream
 * pools). Per-status counters ({@code upstream_rq_200}) are created on the first response with that status and then
 * kept, so the request path builds no names after warm-up.
 */
final class UpstreamRequestStats {
  final Counter rqTotal;
  final Counter rqCompleted;
  final Counter rqTimeout;
  final Counter rqRxReset;
  final Counter rqTxReset;
  final Histogram rqTime;
  private final Counter[] classes = new Counter[6];
  private final AtomicReferenceArray<Counter> codes = new AtomicReferenceArray<>(600);
  private final StatsStore.Scope scope;

  UpstreamRequestStats(StatsStore.Scope scope) {
    this.scope = scope;
    rqTotal = scope.counter("upstream_rq_total");
    rqCompleted = scope.counter("upstream_rq_completed");
    rqTimeout = scope.counter("upstream_rq_timeout");
    rqRxReset = scope.counter("upstream_rq_rx_reset");
    rqTxReset = scope.counter("upstream_rq_tx_reset");
    rqTime = scope.histogram("upstream_rq_time");
    for (int i = 1; i <= 5; i++) {
      classes[i] = scope.counter("upstream_rq_" + i + "xx");
    }
  }

  void countResponse(int status) {
    if (status < 100 || status >= 600) {
      return;
    }
    classes[status / 100].inc();
    Counter c = codes.get(status);
    if (c == null) {
      c = scope.counter("upstream_rq_" + status);
      codes.set(status, c);
    }
    c.inc();
  }
}
