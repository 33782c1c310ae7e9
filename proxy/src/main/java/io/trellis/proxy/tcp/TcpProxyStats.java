package io.trellis.proxy.tcp;

import io.trellis.proxy.stats.Counter;
import io.trellis.proxy.stats.Gauge;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.upstream.Cluster;

/** tcp_proxy stats under {@code tcp.<stat_prefix>.}, with Envoy's names. */
record TcpProxyStats(Counter cxTotal, Counter noRoute, Counter txBytes, Counter rxBytes, Counter pausedReading,
    Counter resumedReading, Counter idleTimeout, Counter maxDuration, Counter flushTotal, Gauge flushActive) {

  static TcpProxyStats create(StatsStore store, String prefix) {
    StatsStore.Scope s = store.scope(prefix);
    return new TcpProxyStats(s.counter("downstream_cx_total"), s.counter("downstream_cx_no_route"),
        s.counter("downstream_cx_tx_bytes_total"), s.counter("downstream_cx_rx_bytes_total"),
        s.counter("downstream_flow_control_paused_reading_total"),
        s.counter("downstream_flow_control_resumed_reading_total"), s.counter("idle_timeout"),
        s.counter("max_downstream_connection_duration"), s.counter("upstream_flush_total"),
        s.gauge("upstream_flush_active"));
  }

  /**
   * The cluster stats tcp_proxy itself counts (Envoy does the same); connection counts (upstream_cx_total,
   * upstream_cx_connect_fail...) and upstream_cx_none_healthy are the cluster's own ({@link Cluster#connect},
   * {@link Cluster#chooseHost}).
   */
  record ClusterCounters(Counter connectAttemptsExceeded, Counter pausedReading, Counter resumedReading) {
    static ClusterCounters create(Cluster c) {
      StatsStore.Scope s = c.stats();
      return new ClusterCounters(s.counter("upstream_cx_connect_attempts_exceeded"), s.counter("upstream_flow_control_paused_reading_total"),
          s.counter("upstream_flow_control_resumed_reading_total"));
    }
  }
}
