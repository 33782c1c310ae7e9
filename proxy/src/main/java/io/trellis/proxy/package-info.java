/**
 * The Trellis sidecar proxy: Envoy's v3 configuration on Netty.
 *
 * <ul>
 *   <li>{@code config}: bootstrap loading (YAML/JSON) and validation with field paths.
 *   <li>{@code server}: the composition root ({@link io.trellis.proxy.server.ProxyServer}), event loops, drain.
 *   <li>{@code listener}: bound sockets, listener filters, filter chain matching.
 *   <li>{@code tcp}: the tcp_proxy network filter.
 *   <li>{@code http}: the HTTP connection manager, codecs, HTTP filters and the router.
 *   <li>{@code http.route}: compiled route tables and matching.
 *   <li>{@code upstream}: clusters, load balancers, connection pools.
 *   <li>{@code tls}: TLS contexts for listeners and clusters.
 *   <li>{@code stats}, {@code accesslog}, {@code admin}: observability.
 * </ul>
 */
package io.trellis.proxy;
