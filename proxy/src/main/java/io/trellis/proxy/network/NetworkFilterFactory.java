package io.trellis.proxy.network;

import io.netty.channel.Channel;

/**
 * Built once per config version from a network filter's {@code typed_config}; run once per accepted connection, on
 * its event loop, after listener filters and TLS. Filters install their handlers at the end of the pipeline; the
 * terminal filter (tcp_proxy or http_connection_manager) consumes every byte.
 *
 * <p>{@code install} is called with an active channel; the installed handlers do not see {@code channelActive}. Bytes
 * that the listener filters peeked at are fired into the pipeline right after {@code install} returns.
 */
@FunctionalInterface
public interface NetworkFilterFactory {
  void install(Channel channel, DownstreamConnection connection);

  /**
   * True when the filter handles a half-closed downstream ({@link io.netty.channel.socket.ChannelInputShutdownEvent}
   * with {@link io.netty.channel.ChannelOption#ALLOW_HALF_CLOSURE}), as tcp_proxy does. Otherwise the listener turns
   * half-closure off before {@code install}, so the end of the client's input closes the connection (Netty's default).
   */
  default boolean halfCloseAware() {
    return false;
  }
}
