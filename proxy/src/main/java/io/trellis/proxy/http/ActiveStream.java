package io.trellis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectDecoder;
import io.netty.handler.codec.http.HttpObjectEncoder;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.http.route.RequestHead;
import io.trellis.proxy.http.route.RouteMatch;
import io.trellis.proxy.stream.ResponseFlag;
import io.trellis.proxy.stream.StreamInfo;
import io.trellis.proxy.upstream.Cluster;
import io.trellis.proxy.upstream.Host;
import io.trellis.proxy.upstream.LoadBalancerContext;
import io.trellis.proxy.upstream.UpstreamHttpStream;
import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One request/response exchange on the downstream side: runs the HTTP filters, then the router (route match,
 * rewrites, host pick, upstream lease), and relays both bodies with backpressure. Lives on the connection's event
 * loop; every method runs there. Owns every HttpContent handed to it until it writes or releases it.
 */
final class ActiveStream implements HttpFilter.Callbacks {
  private static final String UPSTREAM_HANDLER = "trellis-router";

  private final HcmConfig config;
  private final Downstream down;
  private final StreamInfo info = new StreamInfo();
  private final List<HttpFilter> filters;
  private final EventLoop loop;

  private HttpRequest request;
  private boolean grpc;
  private boolean head;
  private boolean requestComplete;
  private boolean bodyless;
  private boolean responseStarted;
  private boolean ended;
  private boolean tunnel;
  private boolean tunnelRequested;
  private int filterIndex;

  private RouteMatch route;
  private UpstreamRequestStats clusterStats;
  private UpstreamHttpStream upstream;
  private Future<UpstreamHttpStream> acquiring;
  private UpstreamHandler upstreamHandler;
  private ArrayDeque<Object> pending;
  private long upstreamStartNanos;
  private boolean upstreamUnflushed;

  private ScheduledFuture<?> routeTimer;
  private ScheduledFuture<?> requestTimer;
  private ScheduledFuture<?> idleTimer;
  private long lastActivityNanos;

  ActiveStream(HcmConfig config, Downstream down) {
    this.config = config;
    this.down = down;
    this.loop = down.channel().eventLoop();
    List<HttpFilterFactory> factories = config.filters();
    this.filters = factories.isEmpty() ? List.of() : factories.stream().map(HttpFilterFactory::create).toList();
    info.startEpochMillis = System.currentTimeMillis();
    info.startNanos = System.nanoTime();
    info.protocol = down.http2() ? "HTTP/2" : "HTTP/1.1";
    info.downstreamRemoteAddress = down.connection().remoteAddress();
    info.downstreamDirectRemoteAddress = down.connection().remoteAddress();
    info.downstreamLocalAddress = down.connection().localAddress();
    info.requestedServerName = down.connection().serverName();
    HcmStats s = config.stats();
    s.rqTotal().inc();
    s.rqActive().inc();
    (down.http2() ? s.rqHttp2Total() : s.rqHttp1Total()).inc();
    lastActivityNanos = info.startNanos;
    if (config.streamIdleTimeoutMillis() > 0) {
      idleTimer = loop.schedule(this::checkIdle, config.streamIdleTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
    if (config.requestTimeoutMillis() > 0) {
      requestTimer = loop.schedule(this::onRequestTimeout, config.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
  }

  StreamInfo info() {
    return info;
  }

  boolean ended() {
    return ended;
  }

  boolean requestComplete() {
    return requestComplete;
  }

  boolean tunnel() {
    return tunnel;
  }

  // ---------------------------------------------------------------- downstream events

  /** The request head; {@code request} is mutated in place and forwarded. */
  void onRequestHeaders(HttpRequest req) {
    this.request = req;
    HttpHeaders h = req.headers();
    if (!down.http2() && absoluteForm(req)) {
      return;
    }
    info.method = req.method().name();
    info.path = req.uri();
    String authority = h.get(HttpHeaderNames.HOST);
    info.authority = authority == null ? "" : authority;
    grpc = Headers.isGrpc(h);
    head = HttpMethod.HEAD.equals(req.method());
    int fields = h.size();
    if (down.http2()) {
      // Netty's conversion adds x-http2-scheme and x-http2-stream-id; they are not the client's fields.
      fields -= (h.contains(Headers.X_HTTP2_SCHEME) ? 1 : 0) + (h.contains(Headers.X_HTTP2_STREAM_ID) ? 1 : 0);
    }
    if (fields > config.maxHeadersCount()) {
      config.stats().rqTooLarge().inc();
      sendLocalReply(431, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "too_many_headers",
          "request has " + fields + " headers, more than max_headers_count " + config.maxHeadersCount());
      return;
    }
    if (!down.http2() && req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      sendLocalReply(426, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "low_version", "HTTP/1.0 is not supported");
      return;
    }
    if (authority == null || authority.isEmpty()) {
      sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "missing_host_header",
          "request has no Host / :authority");
      return;
    }
    if (h.getAll(HttpHeaderNames.HOST).size() > 1 || !validAuthority(authority)) {
      sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "invalid_authority",
          "request has an invalid or repeated Host / :authority");
      return;
    }
    if (!validTarget(req.uri())) {
      sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "invalid_path",
          "request target has whitespace or control characters");
      return;
    }
    if (req.method().equals(HttpMethod.CONNECT)) {
      sendLocalReply(403, null, "connect_not_allowed", "CONNECT is not supported");
      return;
    }
    if (config.underscores() != HcmConfig.Underscores.ALLOW && !applyUnderscorePolicy(h)) {
      return;
    }
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    if (!down.http2() && h.contains(HttpHeaderNames.TRANSFER_ENCODING)
        && !h.get(HttpHeaderNames.TRANSFER_ENCODING).trim().equalsIgnoreCase("chunked")) {
      sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "http1.invalid_transfer_encoding",
          "Transfer-Encoding other than 'chunked' is not supported");
      return;
    }
    try {
      bodyless = !chunked && HttpUtil.getContentLength(req, 0L) == 0L;
    } catch (NumberFormatException e) {
      sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "invalid_content_length",
          "request has an invalid Content-Length");
      return;
    }
    if (chunked && h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      // HTTP/2 with both, or an HTTP/1 decoder that let it through: framing is ambiguous.
      sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "http1.content_length_and_chunked_not_allowed",
          "request has both Content-Length and Transfer-Encoding");
      return;
    }
    tunnelRequested = !down.http2() && isWebsocketUpgrade(h);
    Headers.stripHopByHop(h, false);
    if (chunked) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    addForwardingHeaders(h);
    info.requestHeaders = h;
    runFilters();
  }

  private boolean applyUnderscorePolicy(HttpHeaders h) {
    List<String> bad = null;
    for (var e : h) {
      if (Headers.hasUnderscore(e.getKey())) {
        if (config.underscores() == HcmConfig.Underscores.REJECT_REQUEST) {
          config.stats().rqRejectedUnderscore().inc();
          sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "unexpected_underscore",
              "header '" + e.getKey() + "' has an underscore (headers_with_underscores_action REJECT_REQUEST)");
          return false;
        }
        if (bad == null) {
          bad = new java.util.ArrayList<>();
        }
        bad.add(e.getKey());
      }
    }
    if (bad != null) {
      bad.forEach(h::remove);
    }
    return true;
  }

  /**
   * RFC 9112 §3.2.2: an absolute-form target's authority replaces Host and the target becomes origin-form. Returns
   * true when the stream was answered (malformed target).
   */
  private boolean absoluteForm(HttpRequest req) {
    String uri = req.uri();
    int schemeEnd = uri.startsWith("/") ? -1 : uri.indexOf("://");
    if (schemeEnd <= 0) {
      return false;
    }
    String scheme = uri.substring(0, schemeEnd);
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "invalid_path",
          "request target scheme '" + scheme + "' is not http or https");
      return true;
    }
    int start = schemeEnd + 3;
    int end = start;
    while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
      end++;
    }
    String authority = uri.substring(start, end);
    if (authority.isEmpty()) {
      sendLocalReply(400, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, "invalid_path", "absolute-form target has no host");
      return true;
    }
    String rest = uri.substring(end);
    req.headers().set(HttpHeaderNames.HOST, authority);
    req.setUri(rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest);
    return false;
  }

  /** RFC 3986 host [ ":" port ] without userinfo: no whitespace, controls, '@', '/', '?', '#'; balanced brackets. */
  static boolean validAuthority(String a) {
    for (int i = 0; i < a.length(); i++) {
      char c = a.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '@' || c == '/' || c == '?' || c == '#' || c == '\\' || c == '"') {
        return false;
      }
    }
    if (a.charAt(0) == '[') {
      int close = a.indexOf(']');
      return close > 1 && (close == a.length() - 1 || a.charAt(close + 1) == ':');
    }
    return a.indexOf('[') < 0 && a.indexOf(']') < 0;
  }

  /** A request target without whitespace or control characters. */
  static boolean validTarget(String t) {
    if (t.isEmpty()) {
      return false;
    }
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static boolean isWebsocketUpgrade(HttpHeaders h) {
    String upgrade = h.get(HttpHeaderNames.UPGRADE);
    return upgrade != null && upgrade.trim().equalsIgnoreCase("websocket")
        && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
  }

  private void addForwardingHeaders(HttpHeaders h) {
    String scheme = down.connection().tls() ? "https" : "http";
    if (config.useRemoteAddress()) {
      String peer = down.connection().remoteAddress().getAddress().getHostAddress();
      String xff = h.get(Headers.X_FORWARDED_FOR);
      h.set(Headers.X_FORWARDED_FOR, xff == null || xff.isBlank() ? peer : xff + "," + peer);
      h.set(Headers.X_FORWARDED_PROTO, scheme);
    } else {
      if (!h.contains(Headers.X_FORWARDED_PROTO)) {
        h.set(Headers.X_FORWARDED_PROTO, scheme);
      }
      String xff = h.get(Headers.X_FORWARDED_FOR);
      if (xff != null && !xff.isBlank()) {
        // The client address is the one xff_num_trusted_hops entries from the right (Envoy's rule).
        String[] hops = xff.split(",");
        int idx = hops.length - 1 - config.xffNumTrustedHops();
        if (idx >= 0) {
          String client = hops[idx].trim();
          try {
            if (isIpLiteral(client)) {
              info.downstreamRemoteAddress = new java.net.InetSocketAddress(
                  java.net.InetAddress.ofLiteral(client), 0);
            }
          } catch (IllegalArgumentException ignored) {
            // not an IP: keep the peer address
          }
        }
      }
    }
    String id = h.get(Headers.X_REQUEST_ID);
    boolean edge = config.useRemoteAddress();
    if (config.generateRequestId() && (id == null || id.isEmpty() || (edge && !config.preserveExternalRequestId()))) {
      id = UUID.randomUUID().toString();
      h.set(Headers.X_REQUEST_ID, id);
    }
    info.requestId = id == null ? "" : id;
  }

  private static boolean isIpLiteral(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
        return false;
      }
    }
    return true;
  }

  /** A request body chunk (the last one has the trailers). Takes ownership. */
  void onRequestBody(HttpContent content) {
    activity();
    info.bytesReceived += content.content().readableBytes();
    boolean last = content instanceof LastHttpContent;
    if (last) {
      requestComplete = true;
      cancel(requestTimer);
      startRouteTimer();
    }
    if (ended) {
      content.release();
      return;
    }
    if (upstream != null) {
      writeUpstream(content);
    } else if (route != null || acquiring != null || filterIndex < filters.size()) {
      if (pending == null) {
        pending = new ArrayDeque<>();
      }
      pending.add(content);
    } else {
      content.release();
    }
  }

  /** Raw bytes from the client after a websocket upgrade. */
  void onTunnelData(ByteBuf buf) {
    activity();
    info.bytesReceived += buf.readableBytes();
    if (upstream == null || ended) {
      buf.release();
      return;
    }
    writeUpstream(buf);
  }

  /** Writes without flushing; the connection flushes once per read batch through {@link #flushUpstream()}. */
  private void writeUpstream(Object msg) {
    Channel ch = upstream.channel();
    ch.write(msg, ch.voidPromise());
    upstreamUnflushed = true;
    if (!ch.isWritable()) {
      down.pauseReading(Downstream.PAUSE_BACKPRESSURE);
    }
  }

  /** Flushes what this read batch wrote upstream (called on the downstream's channelReadComplete). */
  void flushUpstream() {
    if (upstreamUnflushed) {
      upstreamUnflushed = false;
      if (upstream != null) {
        upstream.channel().flush();
      }
    }
  }

  /** The downstream channel's writability changed: resume or keep pausing the upstream reads. */
  void onDownstreamWritabilityChanged() {
    if (upstream != null && !ended) {
      upstream.channel().config().setAutoRead(down.channel().isWritable());
    }
  }

  /** The client went away (HTTP/1.1 close, HTTP/2 RST_STREAM or connection loss) before the stream ended. */
  void onDownstreamReset(boolean remoteReset) {
    if (ended) {
      return;
    }
    config.stats().rqRxReset().inc();
    info.setFlag(remoteReset ? ResponseFlag.DOWNSTREAM_REMOTE_RESET : ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
    if (info.failureReason.isEmpty()) {
      info.failureReason = remoteReset ? "client reset the stream" : "client closed the connection";
    }
    if (responseStarted && clusterStats != null) {
      config.stats().rqResetAfterDownstreamResponseStarted().inc();
    }
    info.responseCodeDetails = info.responseCodeDetails.isEmpty() ? "downstream_remote_disconnect"
        : info.responseCodeDetails;
    if (upstream != null && clusterStats != null) {
      clusterStats.rqTxReset.inc();
    }
    finish(false, false);
  }

  // ---------------------------------------------------------------- filters and router

  private void runFilters() {
    while (filterIndex < filters.size()) {
      HttpFilter f = filters.get(filterIndex++);
      if (f.onRequestHeaders(this, request) == HttpFilter.Status.STOP || ended) {
        return;
      }
    }
    if (!ended) {
      routeRequest();
    }
  }

  @Override
  public void continueDecoding() {
    if (!ended) {
      runFilters();
    }
  }

  private void routeRequest() {
    HcmStats s = config.stats();
    s.routerRqTotal().inc();
    String scheme = down.connection().tls() ? "https" : "http";
    RequestHead head = RequestHead.of(request.method().name(), request.uri(), info.authority, scheme,
        request.headers());
    RouteMatch m = config.routes().match(head, ThreadLocalRandom.current().nextLong());
    if (m == null) {
      s.noRoute().inc();
      sendLocalReply(404, ResponseFlag.NO_ROUTE_FOUND, "route_not_found",
          "no route for " + info.authority + info.path);
      return;
    }
    route = m;
    info.routeName = m.routeName();
    info.virtualHostName = m.virtualHostName();
    if (m.isDirectResponse()) {
      s.rqDirectResponse().inc();
      String body = m.directBody();
      sendLocalReply(m.directStatus(), null, "direct_response", body == null ? "" : body, false);
      return;
    }
    if (m.isRedirect()) {
      s.rqRedirect().inc();
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.valueOf(m.redirectStatus()), down.channel().alloc().buffer(0, 0));
      r.headers().set(HttpHeaderNames.LOCATION, m.redirectLocation(head));
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      info.responseCodeDetails = "direct_response";
      writeLocal(r, m.redirectStatus());
      return;
    }
    String clusterName = m.clusterName();
    info.upstreamCluster = clusterName;
    Cluster cluster = clusterName.isEmpty() ? null : config.context().clusterManager().get(clusterName);
    if (cluster == null) {
      s.noCluster().inc();
      sendLocalReply(m.clusterNotFoundResponseCode(), ResponseFlag.NO_CLUSTER_FOUND, "cluster_not_found",
          "cluster '" + clusterName + "' does not exist");
      return;
    }
    clusterStats = config.clusterStats(cluster);
    HttpHeaders h = request.headers();
    request.setUri(m.rewritePath(request.uri()));
    if (m.hostRewrite() != null) {
      h.set(HttpHeaderNames.HOST, m.hostRewrite());
    }
    m.applyRequestHeaders(h);
    if (tunnelRequested) {
      if (m.upgradeAllowed("websocket", config.websocket())) {
        tunnel = true;
        Headers.stripHopByHop(h, true);
        h.set(HttpHeaderNames.UPGRADE, "websocket");
      } else {
        s.rqWsOnNonWsRoute().inc();
      }
    }
    Host host = cluster.chooseHost(loop, LoadBalancerContext.NONE);
    if (host == null) {
      sendLocalReply(503, ResponseFlag.NO_HEALTHY_UPSTREAM, "no_healthy_upstream",
          "no healthy upstream host in cluster '" + clusterName + "'");
      return;
    }
    info.upstreamHost = host.address();
    if (m.autoHostRewrite()) {
      h.set(HttpHeaderNames.HOST, host.hostname());
    }
    if (HttpUtil.is100ContinueExpected(request)) {
      // Answer 100 ourselves (Envoy's default, proxy_100_continue false) and do not forward the expectation.
      h.remove(HttpHeaderNames.EXPECT);
      down.channel().writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
          down.channel().alloc().buffer(0, 0)), down.channel().voidPromise());
    }
    if (request.protocolVersion() != HttpVersion.HTTP_1_1) {
      request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }
    info.attemptCount = 1;
    clusterStats.rqTotal.inc();
    upstreamStartNanos = System.nanoTime();
    down.pauseReading(Downstream.PAUSE_CONNECTING);
    Future<UpstreamHttpStream> f;
    try {
      f = cluster.acquireHttpStream(loop, host, down.http2());
    } catch (RuntimeException e) {
      onUpstreamFailure(e);
      return;
    }
    acquiring = f;
    if (f.isDone()) {
      onAcquired(f);
    } else {
      f.addListener(x -> onAcquired(f));
    }
  }

  private void onAcquired(Future<UpstreamHttpStream> f) {
    if (acquiring != f) {
      return;
    }
    acquiring = null;
    if (!f.isSuccess()) {
      onUpstreamFailure(f.cause());
      return;
    }
    UpstreamHttpStream us = f.getNow();
    if (ended) {
      us.release(false);
      return;
    }
    upstream = us;
    Channel ch = us.channel();
    info.upstreamLocalAddress = ch.localAddress();
    upstreamHandler = new UpstreamHandler();
    ch.pipeline().addLast(UPSTREAM_HANDLER, upstreamHandler);
    ch.write(request, ch.voidPromise());
    if (pending != null) {
      Object o;
      while ((o = pending.poll()) != null) {
        ch.write(o, ch.voidPromise());
      }
    }
    ch.flush();
    if (!ch.isWritable()) {
      down.pauseReading(Downstream.PAUSE_BACKPRESSURE);
    }
    down.resumeReading(Downstream.PAUSE_CONNECTING);
  }

  private void onUpstreamFailure(Throwable cause) {
    String why = cause == null ? "unknown" : String.valueOf(cause.getMessage());
    info.upstreamTransportFailureReason = why;
    down.resumeReading(Downstream.PAUSE_CONNECTING);
    sendLocalReply(503, ResponseFlag.UPSTREAM_CONNECTION_FAILURE,
        "upstream_reset_before_response_started{connection_failure}",
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure, "
            + "transport failure reason: " + why);
  }

  // ---------------------------------------------------------------- upstream events

  /** Reads the upstream's response on the upstream channel (same event loop) and relays it. */
  private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private boolean skippingInformational;
    private boolean responseComplete;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (ended) {
        ReferenceCountUtil.release(msg);
        return;
      }
      activity();
      if (msg instanceof HttpResponse r) {
        if (r.decoderResult().isFailure()) {
          ReferenceCountUtil.release(msg);
          upstreamProtocolError(r.decoderResult().cause());
          return;
        }
        int code = r.status().code();
        if (code >= 100 && code < 200 && code != 101) {
          // 100 Continue and other informational responses are not forwarded (we answered 100 ourselves).
          skippingInformational = !(msg instanceof LastHttpContent);
          ReferenceCountUtil.release(msg);
          return;
        }
        onUpstreamHeaders(r);
        if (msg instanceof LastHttpContent last && !ended) {
          if (tunnel && code == 101) {
            ReferenceCountUtil.release(msg);
            return;
          }
          onUpstreamLast(last instanceof FullHttpResponse full ? splitLast(full) : last);
        }
        return;
      }
      if (msg instanceof HttpContent c) {
        if (skippingInformational) {
          skippingInformational = !(c instanceof LastHttpContent);
          c.release();
          return;
        }
        if (c.decoderResult().isFailure()) {
          c.release();
          upstreamProtocolError(c.decoderResult().cause());
          return;
        }
        if (c instanceof LastHttpContent last) {
          onUpstreamLast(last);
        } else {
          info.bytesSent += c.content().readableBytes();
          writeDownstream(c);
        }
        return;
      }
      if (msg instanceof ByteBuf buf && tunnel) {
        info.bytesSent += buf.readableBytes();
        writeDownstream(buf);
        return;
      }
      ReferenceCountUtil.release(msg);
    }

    private void onUpstreamLast(LastHttpContent last) {
      responseComplete = true;
      info.bytesSent += last.content().readableBytes();
      if (!last.trailingHeaders().isEmpty()) {
        Headers.stripHopByHop(last.trailingHeaders(), false);
        info.responseTrailers = last.trailingHeaders();
      }
      down.channel().writeAndFlush(last, down.channel().voidPromise());
      onResponseComplete();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!ended || tunnel) {
        down.channel().flush();
      }
      ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (!ended && ctx.channel().isWritable()) {
        down.resumeReading(Downstream.PAUSE_BACKPRESSURE);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!ended && !responseComplete) {
        upstreamReset(tunnel ? null : ResponseFlag.UPSTREAM_CONNECTION_TERMINATION, "connection_termination",
            "upstream closed the connection");
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (ended) {
        return;
      }
      if (cause instanceof DecoderException) {
        upstreamProtocolError(cause);
      } else {
        upstreamReset(ResponseFlag.UPSTREAM_REMOTE_RESET, "remote_reset", String.valueOf(cause.getMessage()));
      }
    }
  }

  private static LastHttpContent splitLast(FullHttpResponse full) {
    return new DefaultLastHttpContent(full.content(), full.trailingHeaders());
  }

  private void onUpstreamHeaders(HttpResponse r) {
    info.firstUpstreamByteNanos = System.nanoTime();
    int code = r.status().code();
    clusterStats.countResponse(code);
    HttpHeaders h = r.headers();
    boolean full = r instanceof FullHttpResponse;
    boolean upgraded = tunnel && code == 101;
    if (tunnel && !upgraded) {
      tunnel = false;
    }
    Headers.stripHopByHop(h, upgraded);
    if (upgraded) {
      h.set(HttpHeaderNames.UPGRADE, "websocket");
    }
    long serviceMs = (info.firstUpstreamByteNanos - upstreamStartNanos) / 1_000_000L;
    h.set(Headers.X_ENVOY_UPSTREAM_SERVICE_TIME, Long.toString(serviceMs));
    route.applyResponseHeaders(h);
    HttpResponse out = full ? new DefaultHttpResponse(r.protocolVersion(), r.status(), h) : r;
    boolean endsHere = full && !((FullHttpResponse) r).content().isReadable()
        && ((FullHttpResponse) r).trailingHeaders().isEmpty();
    if (endsHere && down.http2() && !upgraded) {
      // Keep headers-only responses (gRPC trailers-only) as one HEADERS frame with END_STREAM.
      FullHttpResponse fr = new DefaultFullHttpResponse(r.protocolVersion(), r.status(),
          down.channel().alloc().buffer(0, 0), h, ((FullHttpResponse) r).trailingHeaders());
      prepareResponseHead(fr, true);
      info.responseCode = code;
      info.responseHeaders = h;
      info.responseCodeDetails = "via_upstream";
      responseStarted = true;
      ((FullHttpResponse) r).release();
      down.channel().writeAndFlush(fr, down.channel().voidPromise());
      onResponseComplete();
      return;
    }
    prepareResponseHead(out, full);
    if (full && !down.http2() && !h.contains(HttpHeaderNames.CONTENT_LENGTH)
        && !HttpUtil.isTransferEncodingChunked(out) && !noBody(code) && !head) {
      // A whole response without framing from an HTTP/2 upstream: give it a length for HTTP/1.1.
      out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, ((FullHttpResponse) r).content().readableBytes());
    }
    info.responseCode = code;
    info.responseHeaders = h;
    info.responseCodeDetails = "via_upstream";
    responseStarted = true;
    Channel ch = down.channel();
    ch.write(out, ch.voidPromise());
    if (upgraded) {
      ch.flush();
      config.stats().cxUpgradesTotal().inc();
      config.stats().cxUpgradesActive().inc();
      ChannelPipeline p = upstream.channel().pipeline();
      for (var e : p) {
        if (e.getValue() instanceof HttpClientCodec || e.getValue() instanceof HttpObjectDecoder
            || e.getValue() instanceof HttpObjectEncoder<?>) {
          p.remove(e.getValue());
        }
      }
      down.startTunnel();
      return;
    }
    if (!full) {
      ch.flush();
    }
  }

  /** Server header, framing for HTTP/1.1 downstream, Connection: close, filters. */
  private void prepareResponseHead(HttpResponse out, boolean full) {
    HttpHeaders h = out.headers();
    switch (config.serverHeader()) {
      case OVERWRITE -> h.set(HttpHeaderNames.SERVER, config.serverName());
      case APPEND_IF_ABSENT -> {
        if (!h.contains(HttpHeaderNames.SERVER)) {
          h.set(HttpHeaderNames.SERVER, config.serverName());
        }
      }
      case PASS_THROUGH -> { }
    }
    int code = out.status().code();
    if (!down.http2()) {
      // Answer in the downstream's protocol whatever the upstream spoke (HTTP/1.0 requests are refused with 426, so
      // an HTTP/1 downstream is always HTTP/1.1); a close-delimited upstream body is re-framed as chunked below.
      out.setProtocolVersion(HttpVersion.HTTP_1_1);
      if (!full && !h.contains(HttpHeaderNames.CONTENT_LENGTH) && !noBody(code) && !head) {
        HttpUtil.setTransferEncodingChunked(out, true);
      }
      if (down.closeAfterResponse() || (!requestComplete && !bodyless && !tunnel)) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
    }
    for (HttpFilter f : filters) {
      f.onResponseHeaders(this, out);
    }
  }

  private static boolean noBody(int code) {
    return code < 200 || code == 204 || code == 304;
  }

  /** Writes without flushing; {@link UpstreamHandler#channelReadComplete} flushes once per read batch. */
  private void writeDownstream(Object msg) {
    Channel ch = down.channel();
    ch.write(msg, ch.voidPromise());
    if (!ch.isWritable() && upstream != null) {
      upstream.channel().config().setAutoRead(false);
    }
  }

  private void onResponseComplete() {
    if (clusterStats != null) {
      clusterStats.rqCompleted.inc();
      clusterStats.rqTime.record((System.nanoTime() - upstreamStartNanos) / 1_000_000L);
    }
    finish(requestComplete, false);
  }

  private void upstreamProtocolError(Throwable cause) {
    upstreamReset(ResponseFlag.UPSTREAM_PROTOCOL_ERROR, "protocol_error",
        "upstream sent malformed HTTP: " + (cause == null ? "" : cause.getMessage()));
  }

  private void upstreamReset(ResponseFlag flag, String reason, String why) {
    if (clusterStats != null) {
      clusterStats.rqRxReset.inc();
    }
    info.upstreamTransportFailureReason = why;
    if (tunnel && responseStarted) {
      info.responseCodeDetails = "upgrade_tunnel_closed";
      finish(false, true);
      return;
    }
    if (flag != null) {
      info.setFlag(flag);
    }
    if (!responseStarted) {
      int status = flag == ResponseFlag.UPSTREAM_PROTOCOL_ERROR ? 502 : 503;
      sendLocalReply(status, null, "upstream_reset_before_response_started{" + reason + "}",
          "upstream connect error or disconnect/reset before headers. reset reason: " + reason);
    } else {
      info.responseCodeDetails = "upstream_reset_after_response_started{" + reason + "}";
      info.failureReason = why;
      config.stats().rqTxReset().inc();
      finish(false, true);
    }
  }

  // ---------------------------------------------------------------- timeouts

  private void startRouteTimer() {
    if (routeTimer != null || ended || tunnel) {
      return;
    }
    long ms = route == null ? 15_000 : route.timeout().toMillis();
    if (ms > 0) {
      routeTimer = loop.schedule(this::onRouteTimeout, ms, TimeUnit.MILLISECONDS);
    }
  }

  private void onRouteTimeout() {
    if (ended || tunnel) {
      return;
    }
    if (clusterStats != null) {
      clusterStats.rqTimeout.inc();
    }
    info.setFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
    if (!responseStarted) {
      sendLocalReply(504, null, "upstream_response_timeout", "upstream request timeout");
    } else {
      info.responseCodeDetails = "upstream_response_timeout";
      info.failureReason = "upstream request timeout after the response started";
      config.stats().rqTxReset().inc();
      finish(false, true);
    }
  }

  private void onRequestTimeout() {
    if (ended || requestComplete) {
      return;
    }
    config.stats().rqTimeout().inc();
    if (!responseStarted) {
      sendLocalReply(408, null, "request_overall_timeout", "request timeout");
    } else {
      finish(false, true);
    }
  }

  private void activity() {
    lastActivityNanos = System.nanoTime();
  }

  private void checkIdle() {
    if (ended) {
      return;
    }
    long idleMs = (System.nanoTime() - lastActivityNanos) / 1_000_000L;
    long left = config.streamIdleTimeoutMillis() - idleMs;
    if (left > 0) {
      idleTimer = loop.schedule(this::checkIdle, left, TimeUnit.MILLISECONDS);
      return;
    }
    config.stats().rqIdleTimeout().inc();
    info.setFlag(ResponseFlag.STREAM_IDLE_TIMEOUT);
    if (!responseStarted) {
      sendLocalReply(408, null, "stream_idle_timeout", "stream timeout");
    } else {
      info.responseCodeDetails = "stream_idle_timeout";
      info.failureReason = "no bytes in either direction for " + config.streamIdleTimeoutMillis() + " ms";
      finish(false, true);
    }
  }

  // ---------------------------------------------------------------- local replies and the end

  @Override
  public StreamInfo streamInfo() {
    return info;
  }

  @Override
  public EventLoop eventLoop() {
    return loop;
  }

  @Override
  public boolean grpc() {
    return grpc;
  }

  @Override
  public void sendLocalReply(int status, ResponseFlag flag, String details, String reason) {
    sendLocalReply(status, flag, details, reason, true);
  }

  void sendLocalReply(int status, ResponseFlag flag, String details, String reason, boolean failure) {
    if (ended) {
      return;
    }
    if (flag != null) {
      info.setFlag(flag);
    }
    info.responseCodeDetails = details;
    if (failure) {
      info.failureReason = reason;
    }
    if (responseStarted) {
      finish(false, true);
      return;
    }
    FullHttpResponse r = LocalReply.build(down.channel().alloc(), status, head ? "" : reason, grpc);
    writeLocal(r, status);
  }

  /** Writes a whole proxy-generated response and ends the stream. */
  private void writeLocal(FullHttpResponse r, int status) {
    releaseUpstream(false);
    prepareResponseHead(r, true);
    responseStarted = true;
    info.responseCode = grpc ? 200 : status;
    info.responseHeaders = r.headers();
    info.bytesSent += r.content().readableBytes();
    down.channel().writeAndFlush(r, down.channel().voidPromise());
    finish(requestComplete, false);
  }

  /** Decoder failure on the downstream side (HTTP/1): reply if possible, then close. */
  void onDownstreamProtocolError(int status, String details, String reason) {
    config.stats().cxProtocolError().inc();
    if (grpc) {
      grpc = false;
    }
    sendLocalReply(status, ResponseFlag.DOWNSTREAM_PROTOCOL_ERROR, details, reason);
    if (!ended) {
      finish(false, true);
    }
  }

  private void releaseUpstream(boolean reusable) {
    if (acquiring != null) {
      Future<UpstreamHttpStream> f = acquiring;
      acquiring = null;
      f.addListener(x -> {
        if (x.isSuccess()) {
          f.getNow().release(false);
        }
      });
    }
    if (pending != null) {
      Object o;
      while ((o = pending.poll()) != null) {
        ReferenceCountUtil.release(o);
      }
    }
    UpstreamHttpStream us = upstream;
    if (us == null) {
      return;
    }
    upstream = null;
    Channel ch = us.channel();
    if (ch.pipeline().get(UPSTREAM_HANDLER) != null) {
      ch.pipeline().remove(UPSTREAM_HANDLER);
    }
    if (!ch.config().isAutoRead()) {
      ch.config().setAutoRead(true);
    }
    us.release(reusable);
  }

  /**
   * Ends the stream exactly once: releases the upstream, stops timers, records stats and the access log.
   *
   * @param reusable whether the upstream stream ended cleanly and may carry another request
   * @param reset whether the downstream stream must be aborted (response cut short)
   */
  private void finish(boolean reusable, boolean reset) {
    if (ended) {
      return;
    }
    ended = true;
    if (tunnel && responseStarted) {
      config.stats().cxUpgradesActive().dec();
    }
    cancel(routeTimer);
    cancel(requestTimer);
    cancel(idleTimer);
    releaseUpstream(reusable);
    info.endNanos = System.nanoTime();
    HcmStats s = config.stats();
    s.rqActive().dec();
    if (!reset) {
      s.rqCompleted().inc();
    }
    if (info.responseCode != 0 && !reset) {
      s.countResponse(info.responseCode);
    } else if (reset && info.responseCode != 0) {
      s.countResponse(info.responseCode);
    }
    s.rqTime().record((info.endNanos - info.startNanos) / 1_000_000L);
    s.countFlags(info.flags());
    for (HttpFilter f : filters) {
      f.onStreamEnd(info);
    }
    try {
      config.accessLog().log(info);
    } catch (RuntimeException e) {
      // An access log must never break the request path.
    }
    if (reset) {
      down.reset();
    }
    down.streamEnded(this, reset || (!down.http2() && ((!requestComplete && !bodyless)
        || down.closeAfterResponse())));
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }
}
