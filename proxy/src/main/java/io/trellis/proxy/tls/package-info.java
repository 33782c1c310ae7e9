/**
 * TLS for both sides of the proxy: {@code DataSource} loading of PEM certificates and keys ({@link
 * io.trellis.proxy.tls.TlsFiles}), the upstream {@code UpstreamTlsContext} (SNI, trust, SAN matching, ALPN, client
 * certificates) and the downstream {@code DownstreamTlsContext}. Everything here is built at config time, off the
 * event loops, into immutable Netty {@code SslContext}s; connections only create handlers from them.
 */
package io.trellis.proxy.tls;
