/**
 * The HTTP connection manager ({@code envoy.filters.network.http_connection_manager}) and the router filter: the
 * proxy's request path.
 *
 * <p>{@link io.trellis.proxy.http.HttpConnectionManagerFactory} compiles the filter's config once into an immutable
 * {@link io.trellis.proxy.http.HcmConfig} (limits, timeouts, header policy, the compiled route table, the HTTP filter
 * factories, stats looked up once) and returns a {@link io.trellis.proxy.network.NetworkFilterFactory}. Per accepted
 * connection it installs the codec (HTTP/1.1 with Netty's strict decoder in
 * {@link io.trellis.proxy.http.H1ServerCodec}, or HTTP/2 with {@code Http2FrameCodec} + {@code Http2MultiplexHandler}
 * + {@code Http2StreamFrameToHttpObjectCodec}), so both
 * protocols reach the same per-request {@link io.trellis.proxy.http.ActiveStream} as Netty {@code HttpObject}s. A
 * stream runs the {@link io.trellis.proxy.http.HttpFilter} chain, then the router: route match, rewrites, host pick,
 * upstream stream lease, and body relay in both directions with backpressure (reading pauses while the other side is
 * not writable). Every proxy-generated reply goes through {@link io.trellis.proxy.http.LocalReply}, which sets the
 * response flag and details and speaks gRPC to gRPC clients. Everything for one connection runs on its event loop.
 */
package io.trellis.proxy.http;
