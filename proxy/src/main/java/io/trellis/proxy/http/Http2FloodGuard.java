package io.trellis.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.concurrent.TimeUnit;

/**
 * Inbound HTTP/2 control-frame flood limits Netty does not have, with Envoy's semantics and defaults: PRIORITY frames
 * above {@code 100 x (1 + streams opened)} (max_inbound_priority_frames_per_stream, CVE-2019-9513), WINDOW_UPDATE
 * frames above {@code 5 + 2 x (streams opened + 10 x DATA frames sent)}
 * (max_inbound_window_update_frames_per_data_frame_sent), and frames the proxy must acknowledge (PING, SETTINGS) above
 * max_outbound_control_frames per second (CVE-2019-9512, CVE-2019-9515: Netty's queued-control-frame limit only counts
 * ACKs the kernel refused, and a socket send buffer absorbs hundreds of thousands of them while the client does not
 * read). Crossing a limit is a connection error ENHANCE_YOUR_CALM (GOAWAY), and the connection is closed without
 * waiting for the GOAWAY to be flushed to a client that may not read.
 *
 * <p>Installed between the frame codec (as a decorator of its frame listener) and the multiplexer (as an outbound
 * handler counting the DATA frames written).
 */
final class Http2FloodGuard extends ChannelOutboundHandlerAdapter {
  private static final long ACK_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final HcmConfig config;
  private final int maxAckedPerWindow;
  private final long maxPriorityPerStream;
  private final long maxWindowUpdatePerData;
  private long streamsOpened;
  private int lastStreamId;
  private long dataFramesSent;
  private long priorityFrames;
  private long windowUpdateFrames;
  private long ackWindowStart = System.nanoTime();
  private int ackedInWindow;
  private boolean tripped;

  Http2FloodGuard(HcmConfig config) {
    this.config = config;
    this.maxAckedPerWindow = config.h2().maxOutboundControlFrames();
    this.maxPriorityPerStream = config.h2().maxInboundPriorityFramesPerStream();
    this.maxWindowUpdatePerData = config.h2().maxInboundWindowUpdateFramesPerDataFrameSent();
  }

  /** Wraps the codec's frame listener (call once, before the codec is added to a pipeline). */
  void install(Http2FrameCodec codec) {
    codec.decoder().frameListener(new Listener(codec.decoder().frameListener()));
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (msg instanceof Http2DataFrame) {
      dataFramesSent++;
    }
    ctx.write(msg, promise);
  }

  private void trip(ChannelHandlerContext ctx, String what) throws Http2Exception {
    if (tripped) {
      return;
    }
    tripped = true;
    config.stats().cxProtocolError().inc();
    // The codec answers the exception with GOAWAY(ENHANCE_YOUR_CALM); close right after, without waiting for a
    // reader that may never drain the ACKs queued ahead of it.
    ctx.executor().execute(() -> ctx.channel().close());
    throw Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "too many inbound %s frames", what);
  }

  private void countAcked(ChannelHandlerContext ctx, String what) throws Http2Exception {
    long now = System.nanoTime();
    if (now - ackWindowStart > ACK_WINDOW_NANOS) {
      ackWindowStart = now;
      ackedInWindow = 0;
    }
    if (++ackedInWindow > maxAckedPerWindow) {
      trip(ctx, what);
    }
  }

  private void streamHeaders(int streamId) {
    if (streamId > lastStreamId) {
      lastStreamId = streamId;
      streamsOpened++;
    }
  }

  private final class Listener extends Http2FrameListenerDecorator {
    Listener(Http2FrameListener listener) {
      super(listener);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
        boolean endStream) throws Http2Exception {
      streamHeaders(streamId);
      super.onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endStream) throws Http2Exception {
      streamHeaders(streamId);
      super.onHeadersRead(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream);
    }

    @Override
    public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
        boolean exclusive) throws Http2Exception {
      if (++priorityFrames > maxPriorityPerStream * (1 + streamsOpened)) {
        trip(ctx, "PRIORITY");
      }
      super.onPriorityRead(ctx, streamId, streamDependency, weight, exclusive);
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement)
        throws Http2Exception {
      if (++windowUpdateFrames
          > 5 + 2 * (streamsOpened + maxWindowUpdatePerData * dataFramesSent)) {
        trip(ctx, "WINDOW_UPDATE");
      }
      super.onWindowUpdateRead(ctx, streamId, windowSizeIncrement);
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
      countAcked(ctx, "PING");
      super.onPingRead(ctx, data);
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
      countAcked(ctx, "SETTINGS");
      super.onSettingsRead(ctx, settings);
    }
  }
}
