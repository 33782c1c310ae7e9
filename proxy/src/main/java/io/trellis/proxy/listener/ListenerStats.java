package io.trellis.proxy.listener;

import io.trellis.proxy.stats.Counter;
import io.trellis.proxy.stats.Gauge;
import io.trellis.proxy.stats.StatsStore;

/** A listener's stats under {@code listener.<address>.} with Envoy's names, plus the listener filters' own. */
record ListenerStats(Counter cxTotal, Gauge cxActive, Counter cxDestroy, Counter cxOverflow, Counter noFilterChainMatch,
    Counter preCxTimeout, Gauge preCxActive, Counter sslHandshake, Counter sslConnectionError, Counter sslNoCertificate,
    Gauge totalConnections, Counter tlsFound, Counter tlsNotFound, Counter sniFound, Counter sniNotFound,
    Counter alpnFound, Counter alpnNotFound, Counter clientHelloTooLarge, Counter http10Found, Counter http11Found,
    Counter http2Found, Counter httpNotFound) {

  /**
   * @param terminatesTls whether the listener terminates TLS; the {@code ssl.*} stats are registered (shown) only then, as in
   *     Envoy, and are detached counters otherwise
   */
  static ListenerStats create(StatsStore store, String prefix, boolean terminatesTls) {
    StatsStore.Scope s = store.scope(prefix);
    StatsStore.Scope ssl = terminatesTls ? s : new StatsStore().scope(prefix);
    StatsStore.Scope tls = store.scope("tls_inspector.");
    StatsStore.Scope http = store.scope("http_inspector.");
    return new ListenerStats(s.counter("downstream_cx_total"), s.gauge("downstream_cx_active"),
        s.counter("downstream_cx_destroy"), s.counter("downstream_cx_overflow"), s.counter("no_filter_chain_match"),
        s.counter("downstream_pre_cx_timeout"), s.gauge("downstream_pre_cx_active"), ssl.counter("ssl.handshake"),
        ssl.counter("ssl.connection_error"), ssl.counter("ssl.no_certificate"), store.gauge("server.total_connections"),
        tls.counter("tls_found"), tls.counter("tls_not_found"), tls.counter("sni_found"), tls.counter("sni_not_found"),
        tls.counter("alpn_found"), tls.counter("alpn_not_found"), tls.counter("client_hello_too_large"),
        http.counter("http10_found"), http.counter("http11_found"), http.counter("http2_found"),
        http.counter("http_not_found"));
  }
}
