package io.trellis.proxy.network;

import java.net.InetSocketAddress;

/**
 * Facts about one accepted downstream connection, known once listener filters have run and a filter chain was chosen.
 *
 * @param listenerName the listener's name
 * @param localAddress the address the client connected to (the original destination when captured)
 * @param remoteAddress the client's address
 * @param serverName SNI from the ClientHello, "" when none or not TLS
 * @param applicationProtocol ALPN negotiated by our TLS server ("h2", "http/1.1") or detected by http_inspector
 *     ("http/1.1", "h2c"), "" when unknown
 * @param tls whether the connection is TLS-terminated by this listener
 */
public record DownstreamConnection(String listenerName, InetSocketAddress localAddress, InetSocketAddress remoteAddress,
    String serverName, String applicationProtocol, boolean tls) {}
