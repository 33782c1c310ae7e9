package io.trellis.proxy.admin;

import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import io.trellis.proxy.accesslog.AccessLog;
import io.trellis.proxy.accesslog.AccessLogs;
import io.trellis.proxy.server.ProxyServer;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stream.StreamInfo;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin HTTP server: /ready, /server_info, /stats, /stats/prometheus, /config_dump, /clusters, /listeners,
 * /healthcheck/fail, /healthcheck/ok, /drain_listeners, /quitquitquit, /logging, /reopen_logs, as Envoy names and
 * formats them (see docs/admin.md). Runs on its own single-thread event loop group, away from the workers, so a slow
 * scrape never delays traffic and busy workers never starve the admin.
 *
 * <p>Bound from {@code admin.address} (a socket address); {@code --admin-port} overrides the port, and port 0 picks a
 * free one ({@link #address()} tells which). Requests are logged to {@code admin.access_log} when configured.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());
  private static final int MAX_REQUEST_BYTES = 64 * 1024;

  private final EventLoopGroup group;
  private Channel channel;
  private AdminEndpoints endpoints;
  private AdminEndpoints.OwnStats stats;
  private AccessLog accessLog = AccessLog.NONE;

  private AdminServer(EventLoopGroup group) {
    this.group = group;
  }

  public static AdminServer start(Admin admin, Integer portOverride, ProxyServer server) throws ConfigException {
    InetSocketAddress bindTo = bindAddress(admin, portOverride);
    AccessLog log = accessLog(admin, server);
    AdminServer s = new AdminServer(Transport.newGroup(1, "trellis-admin"));
    s.endpoints = new AdminEndpoints(server, s);
    s.stats = AdminEndpoints.OwnStats.of(server.stats());
    s.accessLog = log;
    ChannelFuture bound = new ServerBootstrap().group(s.group).channel(Transport.serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(4096, 16 * 1024, 8192),
                new HttpObjectAggregator(MAX_REQUEST_BYTES), s.new Handler());
          }
        })
        .bind(bindTo).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      s.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw ConfigException.of("TRLS0602", "admin.address",
          "cannot bind the admin server to " + bindTo.getHostString() + ":" + bindTo.getPort() + ": "
              + bound.cause().getMessage());
    }
    s.channel = bound.channel();
    LOG.fine(() -> "admin server listening on " + s.address());
    return s;
  }

  static InetSocketAddress bindAddress(Admin admin, Integer portOverride) throws ConfigException {
    if (!admin.getSocketOptionsList().isEmpty()) {
      throw ConfigException.of("TRLS0603", "admin.socket_options",
          "admin socket options are not supported (remove them)");
    }
    if (!admin.getProfilePath().isEmpty()) {
      throw ConfigException.of("TRLS0603", "admin.profile_path",
          "value '" + admin.getProfilePath() + "': the CPU profiler endpoints are not supported (remove it)");
    }
    if (admin.hasAddress() && !admin.getAddress().hasSocketAddress()) {
      throw ConfigException.of("TRLS0601", "admin.address",
          "only socket_address is supported for the admin address (found " + admin.getAddress().getAddressCase()
              + ")");
    }
    SocketAddress sa = admin.getAddress().getSocketAddress();
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw ConfigException.of("TRLS0601", "admin.address.socket_address.protocol",
          "value '" + sa.getProtocol() + "' is not supported (supported: TCP)");
    }
    if (sa.hasNamedPort() || !sa.getResolverName().isEmpty()) {
      throw ConfigException.of("TRLS0601", "admin.address.socket_address",
          "named_port and resolver_name are not supported (use an IP address and port_value)");
    }
    String host = sa.getAddress().isEmpty() ? "127.0.0.1" : sa.getAddress();
    int port = portOverride != null ? portOverride : sa.getPortValue();
    if (port < 0 || port > 65535) {
      throw ConfigException.of("TRLS0601", portOverride != null ? "--admin-port" : "admin.address.socket_address"
          + ".port_value", "value " + port + " is not a port (0-65535)");
    }
    return new InetSocketAddress(host, port);
  }

  private static AccessLog accessLog(Admin admin, ProxyServer server) throws ConfigException {
    List<io.envoyproxy.envoy.config.accesslog.v3.AccessLog> configs = new ArrayList<>(admin.getAccessLogList());
    String path = "admin.access_log";
    @SuppressWarnings("deprecation")
    String legacy = admin.getAccessLogPath();
    if (!legacy.isEmpty() && !legacy.equals("/dev/null")) {
      if (!configs.isEmpty()) {
        throw ConfigException.of("TRLS0603", "admin.access_log_path",
            "set either access_log_path (deprecated) or access_log, not both");
      }
      configs.add(io.envoyproxy.envoy.config.accesslog.v3.AccessLog.newBuilder().setName("envoy.access_loggers.file")
          .setTypedConfig(com.google.protobuf.Any.pack(FileAccessLog.newBuilder().setPath(legacy).build())).build());
      path = "admin.access_log_path";
    }
    return configs.isEmpty() ? AccessLog.NONE : AccessLogs.create(configs, path, server.factoryContext());
  }

  /** The bound address (port 0 resolved). */
  public InetSocketAddress address() {
    return channel == null ? null : (InetSocketAddress) channel.localAddress();
  }

  void schedule(long delayMillis, Runnable r) {
    if (delayMillis <= 0) {
      group.execute(r);
    } else {
      group.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close();
    }
    var f = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    if (!group.next().inEventLoop()) {
      f.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      stats.cxTotal().inc();
      stats.cxActive().inc();
      super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      stats.cxActive().dec();
      super.channelInactive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      StreamInfo info = new StreamInfo();
      info.startEpochMillis = System.currentTimeMillis();
      info.startNanos = System.nanoTime();
      info.protocol = req.protocolVersion().text();
      info.method = req.method().name();
      info.path = req.uri();
      info.authority = req.headers().get(HttpHeaderNames.HOST, "");
      info.requestHeaders = req.headers().copy();
      info.bytesReceived = req.content().readableBytes();
      info.downstreamRemoteAddress = ctx.channel().remoteAddress();
      info.downstreamDirectRemoteAddress = ctx.channel().remoteAddress();
      info.downstreamLocalAddress = ctx.channel().localAddress();
      info.routeName = "admin";
      stats.rqTotal().inc();
      AdminResponse r;
      if (req.decoderResult().isFailure()) {
        r = AdminResponse.text(HttpResponseStatus.BAD_REQUEST, "malformed request\n");
      } else {
        try {
          r = endpoints.handle(req.method(), req.uri());
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "admin " + req.method() + " " + req.uri() + " failed", e);
          r = AdminResponse.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e + "\n");
        }
      }
      ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), r.body());
      int length = body.readableBytes();
      FullHttpResponse resp;
      if (req.method().equals(HttpMethod.HEAD)) {
        body.release();
        resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status());
      } else {
        resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(), body);
      }
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
          .set(HttpHeaderNames.CONTENT_LENGTH, length)
          .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
          .set("x-content-type-options", "nosniff");
      boolean keepAlive = HttpUtil.isKeepAlive(req) && !req.decoderResult().isFailure();
      HttpUtil.setKeepAlive(resp, keepAlive);
      stats.response(r.status().code());
      info.responseCode = r.status().code();
      info.responseCodeDetails = "admin_filter_response";
      info.responseHeaders = resp.headers();
      info.bytesSent = length;
      ChannelFuture written = ctx.writeAndFlush(resp);
      if (!keepAlive) {
        written.addListener(ChannelFutureListener.CLOSE);
      }
      Runnable after = r.afterWrite();
      written.addListener(f -> {
        info.endNanos = System.nanoTime();
        accessLog.log(info);
        if (after != null) {
          after.run();
        }
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(Level.FINE, "admin connection error", cause);
      ctx.close();
    }
  }
}
