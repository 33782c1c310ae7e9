package io.trellis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.network.DownstreamConnection;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 downstream connection: one request at a time (reading stops after a full request until its response
 * ended; pipelined requests already decoded wait in a queue), keep-alive, Connection: close when draining, decoder
 * errors answered with 400/414/431 and a close, idle and request-headers timeouts, and the byte pipe after a
 * websocket upgrade.
 */
final class Http1Connection extends ChannelInboundHandlerAdapter implements Downstream {
  private final HcmConfig config;
  private final DownstreamConnection conn;
  private final Channel ch;
  private final ArrayDeque<Object> queued = new ArrayDeque<>();
  private ActiveStream current;
  private final ReadPause readPause;
  private boolean draining;
  private boolean clientClose;
  private boolean closing;
  private boolean tunnelMode;
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> headersTimer;

  Http1Connection(HcmConfig config, DownstreamConnection conn, Channel ch) {
    this.config = config;
    this.conn = conn;
    this.ch = ch;
    this.readPause = new ReadPause(ch);
  }

  /** Watches raw bytes before the codec to start request_headers_timeout at a request's first byte. */
  ChannelHandler firstByteWatcher() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (current == null && headersTimer == null && !tunnelMode && config.requestHeadersTimeoutMillis() > 0) {
          headersTimer = ch.eventLoop().schedule(Http1Connection.this::onHeadersTimeout,
              config.requestHeadersTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (config.context().serverState().draining()) {
      draining = true;
    }
    armIdleTimer();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tunnelMode) {
      if (msg instanceof ByteBuf buf && current != null) {
        current.onTunnelData(buf);
      } else {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (current != null && current.requestComplete() || !queued.isEmpty()) {
      queued.add(msg);
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest req) {
      cancelTimers();
      current = new ActiveStream(config, this);
      if (req.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        protocolError(req.decoderResult().cause());
        return;
      }
      String invalid = checkHostAndTarget(req);
      if (invalid != null) {
        ReferenceCountUtil.release(msg);
        protocolError(new IllegalArgumentException(invalid));
        return;
      }
      clientClose = !HttpUtil.isKeepAlive(req);
      if (req instanceof FullHttpRequest full) {
        current.onRequestHeaders(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
            full.headers()));
        onContent(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      } else {
        current.onRequestHeaders(req);
      }
      return;
    }
    if (msg instanceof HttpContent c) {
      if (current == null) {
        c.release();
        return;
      }
      if (c.decoderResult().isFailure()) {
        Throwable cause = c.decoderResult().cause();
        c.release();
        protocolError(cause);
        return;
      }
      onContent(c);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  /**
   * RFC 9112 3.2: at most one Host, with a valid value; 3.2.2: an absolute-form target's authority replaces Host and
   * the request goes on in origin-form. Returns why the request is invalid, or null.
   */
  static String checkHostAndTarget(HttpRequest req) {
    List<String> hosts = req.headers().getAll(HttpHeaderNames.HOST);
    if (hosts.size() > 1) {
      return "more than one Host header";
    }
    if (hosts.size() == 1 && !validAuthority(hosts.get(0), true)) {
      return "invalid Host header";
    }
    String uri = req.uri();
    int scheme = uri.indexOf("://");
    if (scheme > 0 && uri.charAt(0) != '/' && (uri.regionMatches(true, 0, "http", 0, scheme)
        || uri.regionMatches(true, 0, "https", 0, scheme))) {
      int start = scheme + 3;
      int end = start;
      while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?' && uri.charAt(end) != '#') {
        end++;
      }
      String authority = uri.substring(start, end);
      if (!validAuthority(authority, false)) {
        return "invalid authority in the absolute-form request target";
      }
      String rest = uri.substring(end);
      req.setUri(rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest);
      req.headers().set(HttpHeaderNames.HOST, authority);
    }
    return null;
  }

  /** uri-host [ ":" port ] (RFC 3986 3.2.2 reg-name or IP-literal, no userinfo); empty only if {@code allowEmpty}. */
  private static boolean validAuthority(String a, boolean allowEmpty) {
    if (a.isEmpty()) {
      return allowEmpty;
    }
    int portStart;
    if (a.charAt(0) == '[') {
      int close = a.indexOf(']');
      if (close < 2) {
        return false;
      }
      for (int i = 1; i < close; i++) {
        char c = a.charAt(i);
        if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
          return false;
        }
      }
      portStart = close + 1;
      if (portStart < a.length() && a.charAt(portStart) != ':') {
        return false;
      }
    } else {
      int i = 0;
      while (i < a.length() && a.charAt(i) != ':') {
        char c = a.charAt(i);
        if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
            || "-._~!$&'()*+,;=%".indexOf(c) >= 0)) {
          return false;
        }
        i++;
      }
      if (i == 0) {
        return false;
      }
      portStart = i;
    }
    for (int i = portStart + 1; i < a.length(); i++) {
      if (a.charAt(i) < '0' || a.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private void onContent(HttpContent c) {
    ActiveStream s = current;
    boolean last = c instanceof LastHttpContent;
    s.onRequestBody(c);
    if (last && current == s && !s.ended() && !s.tunnel()) {
      pauseReading(PAUSE_PIPELINE);
    }
  }

  private void protocolError(Throwable cause) {
    int status = 400;
    String details = "http1.codec_error";
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      details = "http1.request_line_too_long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      details = "http1.headers_too_large";
      config.stats().rqTooLarge().inc();
    } else if (cause instanceof TooLongFrameException) {
      status = 431;
      details = "http1.headers_too_large";
    }
    String reason = "malformed HTTP/1 request: " + (cause == null ? "" : cause.getMessage());
    current.onDownstreamProtocolError(status, details, reason.length() > 200 ? reason.substring(0, 200) : reason);
  }

  private void onHeadersTimeout() {
    headersTimer = null;
    if (current == null && ch.isActive()) {
      config.stats().rqHeaderTimeout().inc();
      ch.close();
    }
  }

  private void armIdleTimer() {
    if (config.idleTimeoutMillis() > 0 && idleTimer == null) {
      idleTimer = ch.eventLoop().schedule(() -> {
        idleTimer = null;
        if (current == null && ch.isActive()) {
          config.stats().cxIdleTimeout().inc();
          ch.close();
        }
      }, config.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void cancelTimers() {
    if (idleTimer != null) {
      idleTimer.cancel(false);
      idleTimer = null;
    }
    if (headersTimer != null) {
      headersTimer.cancel(false);
      headersTimer = null;
    }
  }

  void drain() {
    draining = true;
    if (current == null && !tunnelMode) {
      config.stats().cxDrainClose().inc();
      closing = true;
      ch.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (current != null) {
      current.flushUpstream();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (current != null) {
      current.onDownstreamWritabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimers();
    closing = true;
    if (current != null && !current.ended()) {
      current.onDownstreamReset(false);
    }
    Object o;
    while ((o = queued.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ch.close();
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
    return false;
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
    return draining || clientClose;
  }

  @Override
  public void streamEnded(ActiveStream stream, boolean close) {
    if (stream != current) {
      return;
    }
    current = null;
    if (close || draining || clientClose || tunnelMode) {
      if (draining) {
        config.stats().cxDrainClose().inc();
      }
      closing = true;
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    readPause.forget();
    Object o;
    while (!closing && (current == null || !(current.requestComplete() || current.ended()))) {
      o = queued.poll();
      if (o == null) {
        break;
      }
      dispatch(o);
    }
    if (closing) {
      return;
    }
    if (current != null) {
      current.flushUpstream();
    }
    if (current == null) {
      armIdleTimer();
    }
    if (current == null || !current.requestComplete()) {
      ch.config().setAutoRead(!readPause.paused());
      if (!readPause.paused()) {
        ch.read();
      }
    }
  }

  @Override
  public void reset() {
    closing = true;
    ch.close();
  }

  @Override
  public void startTunnel() {
    tunnelMode = true;
    readPause.clear();
    if (ch.pipeline().get(ConnectionSupport.H1_CODEC) != null) {
      ch.pipeline().remove(ConnectionSupport.H1_CODEC);
    }
  }
}
