/**
 * Listeners: bound sockets and what happens to each accepted connection before its network filters run.
 *
 * <p>{@link io.trellis.proxy.listener.ListenerManager} compiles every listener (filter chains, downstream TLS, network
 * filters) and binds them; per connection, {@code ConnectionSetupHandler} runs the listener filters (tls_inspector,
 * http_inspector: peek, decide, replay), {@code FilterChainMatcher} picks the chain with Envoy's precedence, and the
 * chain's TLS and network filters are installed. Connections are counted per listener and in total so that a drain
 * can wait for them.
 */
package io.trellis.proxy.listener;
