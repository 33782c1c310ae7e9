package io.trellis.proxy.http;

import io.netty.channel.Channel;
import io.trellis.proxy.network.DownstreamConnection;

/** The downstream side of one stream: the HTTP/1.1 connection or the HTTP/2 child channel. */
interface Downstream {
  /** Reasons to pause reading, as bits. */
  int PAUSE_BACKPRESSURE = 1;
  int PAUSE_CONNECTING = 2;
  int PAUSE_PIPELINE = 4;

  /** Where the response's HttpObjects are written; also the stream's event loop. */
  Channel channel();

  DownstreamConnection connection();

  boolean http2();

  void pauseReading(int reason);

  void resumeReading(int reason);

  /** Whether the response must carry Connection: close (HTTP/1.1 draining or client asked). */
  boolean closeAfterResponse();

  /** The response was fully written (or the stream was reset); {@code close} asks to close the HTTP/1.1 connection. */
  void streamEnded(ActiveStream stream, boolean close);

  /** Aborts the stream: closes the HTTP/1.1 connection, or resets the HTTP/2 stream. */
  void reset();

  /** Turns an HTTP/1.1 connection into a byte pipe (after a 101 was written); no-op for HTTP/2. */
  void startTunnel();
}
