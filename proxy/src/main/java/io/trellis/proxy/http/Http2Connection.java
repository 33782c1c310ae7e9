package io.trellis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.network.DownstreamConnection;
import java.util.concurrent.TimeUnit;

/**
 * Connection-level state of one HTTP/2 downstream connection, after the multiplexer: the connection window, active
 * stream count for the idle timeout, and drain (GOAWAY, then close once in-flight streams finished).
 */
final class Http2Connection extends ChannelInboundHandlerAdapter {
  private final HcmConfig config;
  private final DownstreamConnection conn;
  private final Channel ch;
  private int activeStreams;
  private boolean draining;
  private ScheduledFuture<?> idleTimer;

  Http2Connection(HcmConfig config, DownstreamConnection conn, Channel ch) {
    this.config = config;
    this.conn = conn;
    this.ch = ch;
  }

  DownstreamConnection connection() {
    return conn;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    int delta = config.h2().initialConnectionWindow() - 65535;
    if (delta > 0) {
      ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(delta));
    }
    armIdleTimer();
    if (config.context().serverState().draining()) {
      ctx.channel().eventLoop().execute(this::drain);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    // Connection-level frames the multiplexer passes on (SETTINGS, PING acks, GOAWAY from the client...).
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Http2FrameCodec fires connection errors here before it writes GOAWAY(error code): close on the next task, so
    // that GOAWAY (and not the GOAWAY(NO_ERROR) of a graceful close) goes out first; make sure the socket goes away.
    ch.eventLoop().execute(() -> ch.close());
  }

  void streamOpened() {
    activeStreams++;
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
  }

  void streamClosed() {
    activeStreams--;
    if (activeStreams == 0) {
      if (draining) {
        config.stats().cxDrainClose().inc();
        ch.close();
      } else {
        armIdleTimer();
      }
    }
  }

  private void armIdleTimer() {
    if (config.idleTimeoutMillis() > 0 && idleTimer == null && activeStreams == 0) {
      idleTimer = ch.eventLoop().schedule(() -> {
        idleTimer = null;
        if (activeStreams == 0 && ch.isActive()) {
          config.stats().cxIdleTimeout().inc();
          ch.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR))
              .addListener(ChannelFutureListener.CLOSE);
        }
      }, config.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Sends GOAWAY (last stream id = the last one the client opened); closes once in-flight streams ended. */
  void drain() {
    if (draining || !ch.isActive()) {
      return;
    }
    draining = true;
    ch.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)).addListener(f -> {
      if (activeStreams == 0) {
        config.stats().cxDrainClose().inc();
        ch.close();
      }
    });
  }

  boolean draining() {
    return draining;
  }
}
