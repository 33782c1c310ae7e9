/**
 * The {@code envoy.filters.network.tcp_proxy} network filter: per downstream connection, one upstream connection on
 * the same event loop and a byte pipe between them with backpressure, half-close, idle timeout and access logging.
 * {@link io.trellis.proxy.tcp.TcpProxyFactory} builds it from config; {@code TcpProxySession} is one connection.
 */
package io.trellis.proxy.tcp;
