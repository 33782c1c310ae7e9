package io.trellis.proxy.http;

import io.trellis.proxy.stats.Counter;
import io.trellis.proxy.stats.Gauge;
import io.trellis.proxy.stats.Histogram;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.stream.ResponseFlag;

/**
 * The connection manager's and router's stats under {@code http.<stat_prefix>.}, with Envoy's names, looked up once
 * per config.
 */
record HcmStats(
    Counter cxTotal, Gauge cxActive, Counter cxHttp1Total, Gauge cxHttp1Active, Counter cxHttp2Total,
    Gauge cxHttp2Active, Counter cxDestroy, Counter cxProtocolError, Counter cxIdleTimeout, Counter cxDrainClose,
    Counter cxUpgradesTotal, Gauge cxUpgradesActive,
    Counter rqTotal, Gauge rqActive, Counter rqHttp1Total, Counter rqHttp2Total, Counter rqCompleted,
    Counter rq1xx, Counter rq2xx, Counter rq3xx, Counter rq4xx, Counter rq5xx, Histogram rqTime,
    Counter rqTimeout, Counter rqIdleTimeout, Counter rqHeaderTimeout, Counter rqRxReset, Counter rqTxReset,
    Counter rqTooLarge, Counter rqWsOnNonWsRoute, Counter rqRejectedUnderscore,
    Counter noRoute, Counter noCluster, Counter rqRedirect, Counter rqDirectResponse, Counter routerRqTotal,
    Counter rqResetAfterDownstreamResponseStarted, Counter[] responseFlags) {

  static HcmStats create(StatsStore store, String statPrefix) {
    StatsStore.Scope s = store.scope("http." + statPrefix + ".");
    return new HcmStats(
        s.counter("downstream_cx_total"), s.gauge("downstream_cx_active"),
        s.counter("downstream_cx_http1_total"), s.gauge("downstream_cx_http1_active"),
        s.counter("downstream_cx_http2_total"), s.gauge("downstream_cx_http2_active"),
        s.counter("downstream_cx_destroy"), s.counter("downstream_cx_protocol_error"),
        s.counter("downstream_cx_idle_timeout"), s.counter("downstream_cx_drain_close"),
        s.counter("downstream_cx_upgrades_total"), s.gauge("downstream_cx_upgrades_active"),
        s.counter("downstream_rq_total"), s.gauge("downstream_rq_active"),
        s.counter("downstream_rq_http1_total"), s.counter("downstream_rq_http2_total"),
        s.counter("downstream_rq_completed"),
        s.counter("downstream_rq_1xx"), s.counter("downstream_rq_2xx"), s.counter("downstream_rq_3xx"),
        s.counter("downstream_rq_4xx"), s.counter("downstream_rq_5xx"), s.histogram("downstream_rq_time"),
        s.counter("downstream_rq_timeout"), s.counter("downstream_rq_idle_timeout"),
        s.counter("downstream_rq_header_timeout"), s.counter("downstream_rq_rx_reset"),
        s.counter("downstream_rq_tx_reset"), s.counter("downstream_rq_too_large"),
        s.counter("downstream_rq_ws_on_non_ws_route"), s.counter("requests_rejected_with_underscores_in_headers"),
        s.counter("no_route"), s.counter("no_cluster"), s.counter("rq_redirect"), s.counter("rq_direct_response"),
        s.counter("rq_total"), s.counter("rq_reset_after_downstream_response_started"),
        responseFlagCounters(s));
  }

  /**
   * One counter per response flag, {@code http.<stat_prefix>.response_flag.<flag>} (Trellis' addition: Envoy puts the
   * flag only in the access log), so /stats says why requests failed without reading logs.
   */
  private static Counter[] responseFlagCounters(StatsStore.Scope s) {
    ResponseFlag[] flags = ResponseFlag.values();
    Counter[] counters = new Counter[flags.length];
    for (ResponseFlag f : flags) {
      counters[f.ordinal()] = s.counter("response_flag." + f.name().toLowerCase(java.util.Locale.ROOT));
    }
    return counters;
  }

  void countFlags(java.util.Set<ResponseFlag> flags) {
    for (ResponseFlag f : flags) {
      responseFlags[f.ordinal()].inc();
    }
  }

  void countResponse(int status) {
    switch (status / 100) {
      case 1 -> rq1xx.inc();
      case 2 -> rq2xx.inc();
      case 3 -> rq3xx.inc();
      case 4 -> rq4xx.inc();
      case 5 -> rq5xx.inc();
      default -> { }
    }
  }
}
