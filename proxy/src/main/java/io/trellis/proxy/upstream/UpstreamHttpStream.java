package io.trellis.proxy.upstream;

import io.netty.channel.Channel;

/**
 * One HTTP request/response exchange with an upstream host, leased from the cluster's pool on the caller's event
 * loop. Whatever the upstream protocol, {@link #channel()} speaks Netty's {@code HttpObject}s: write an
 * {@code HttpRequest}, {@code HttpContent}s and a {@code LastHttpContent} (with trailers); read the same back.
 * Add your handler to the channel's pipeline after you acquire, remove it before you {@link #release}.
 */
public interface UpstreamHttpStream {
  Channel channel();

  /** "HTTP/1.1" or "HTTP/2". */
  String protocol();

  Host host();

  /**
   * Gives the stream back. {@code reusable} is true when the response ended cleanly and the connection may carry
   * another request (HTTP/1.1 keep-alive); false closes it (or resets the HTTP/2 stream if still open).
   */
  void release(boolean reusable);
}
