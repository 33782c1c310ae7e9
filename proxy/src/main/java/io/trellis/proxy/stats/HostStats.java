package io.trellis.proxy.stats;

/**
 * The per-host stats Envoy shows in {@code /clusters} ({@code backend::127.0.0.1:8080::rq_total::5}) and not in
 * {@code /stats}. The upstream code takes them once per host with {@link StatsStore#hostStats} and updates them on the
 * hot path; the admin server reads them with {@link StatsStore#findHostStats}.
 */
public record HostStats(Gauge cxActive, Counter cxConnectFail, Counter cxTotal, Gauge rqActive, Counter rqError,
    Counter rqSuccess, Counter rqTimeout, Counter rqTotal) {

  static HostStats create(String prefix) {
    return new HostStats(new Gauge(prefix + "cx_active"), new Counter(prefix + "cx_connect_fail"),
        new Counter(prefix + "cx_total"), new Gauge(prefix + "rq_active"), new Counter(prefix + "rq_error"),
        new Counter(prefix + "rq_success"), new Counter(prefix + "rq_timeout"), new Counter(prefix + "rq_total"));
  }
}
