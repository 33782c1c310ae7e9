package io.trellis.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.network.DownstreamConnection;

/** One HTTP/2 stream (a child channel of the multiplexer, on the parent's loop) and its {@link ActiveStream}. */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter implements Downstream {
  private final HcmConfig config;
  private final DownstreamConnection conn;
  private final Http2Connection connection;
  private final Http2StreamChannel ch;
  private ActiveStream stream;
  private final ReadPause readPause;
  private boolean counted;
  private boolean remoteReset;

  Http2StreamHandler(HcmConfig config, DownstreamConnection conn, Http2Connection connection, Http2StreamChannel ch) {
    this.config = config;
    this.conn = conn;
    this.connection = connection;
    this.ch = ch;
    this.readPause = new ReadPause(ch);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    counted = true;
    connection.streamOpened();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest req && stream == null) {
      stream = new ActiveStream(config, this);
      if (req instanceof FullHttpRequest full) {
        stream.onRequestHeaders(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
            full.headers()));
        stream.onRequestBody(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      } else {
        stream.onRequestHeaders(req);
      }
      return;
    }
    if (msg instanceof HttpContent c && stream != null) {
      stream.onRequestBody(c);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof Http2ResetFrame) {
      remoteReset = true;
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (stream != null) {
      stream.flushUpstream();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (stream != null) {
      stream.onDownstreamWritabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (stream != null && !stream.ended()) {
      stream.onDownstreamReset(true);
    }
    release();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Frame-level stream errors (the codec hands them to the stream, RFC code included) and failed conversions to
    // HttpObjects (PROTOCOL_ERROR): reset the stream with that code before the multiplexer closes the child.
    if (stream == null || !stream.ended()) {
      config.stats().cxProtocolError().inc();
    }
    Http2Error error = cause instanceof Http2Exception e && e.error() != null ? e.error() : Http2Error.PROTOCOL_ERROR;
    ch.writeAndFlush(new DefaultHttp2ResetFrame(error)).addListener(f -> ch.close());
  }

  private void release() {
    if (counted) {
      counted = false;
      connection.streamClosed();
    }
  }

  // ---------------------------------------------------------------- Downstream

  @Override
  public Channel channel() {
    return ch;
  }

  @Override
  public DownstreamConnection connection() {
    return conn;
  }

  @Override
  public boolean http2() {
    return true;
  }

  @Override
  public void pauseReading(int reason) {
    readPause.pause(reason);
  }

  @Override
  public void resumeReading(int reason) {
    readPause.resume(reason);
  }

  @Override
  public boolean closeAfterResponse() {
    return false;
  }

  @Override
  public void streamEnded(ActiveStream s, boolean close) {
    // The child channel closes itself once both sides of the stream ended; keep reading to drain the request.
    if (readPause.paused()) {
      readPause.clear();
    }
  }

  @Override
  public void reset() {
    ch.close();
  }

  @Override
  public void startTunnel() {}

  boolean remoteReset() {
    return remoteReset;
  }
}
