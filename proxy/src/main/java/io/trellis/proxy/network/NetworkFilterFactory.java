package io.trellis.proxy.network;

import io.netty.channel.Channel;

/**
 * Built once per config version from a network filter's {@code typed_config}; run once per accepted connection, on
 * its event loop, after listener filters and TLS. Filters install their handlers at the end of the pipeline; the
 * terminal filter (tcp_proxy or http_connection_manager) consumes every byte.
 */
@FunctionalInterface
public interface NetworkFilterFactory {
  void install(Channel channel, DownstreamConnection connection);
}
