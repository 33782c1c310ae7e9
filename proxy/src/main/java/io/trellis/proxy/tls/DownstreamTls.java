package io.trellis.proxy.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * A filter chain's downstream TLS, built once per config version from a {@code DownstreamTlsContext}.
 *
 * @param sslContext the server context (OpenSSL/BoringSSL when available, JDK otherwise)
 * @param requireClientCertificate whether clients must present a certificate that validates against trusted_ca
 * @param alpnProtocols the ALPN protocols offered, in preference order; empty for no ALPN
 * @param protocols the enabled TLS versions (JDK names, TLSv1.2...)
 */
public record DownstreamTls(SslContext sslContext, boolean requireClientCertificate, List<String> alpnProtocols,
    List<String> protocols) {

  public DownstreamTls {
    alpnProtocols = List.copyOf(alpnProtocols);
    protocols = List.copyOf(protocols);
  }

  /** A new server-side handler for one connection. */
  public SslHandler newHandler(Channel channel) {
    return sslContext.newHandler(channel.alloc());
  }
}
