package io.trellis.proxy.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.stream.ResponseFlag;
import io.trellis.proxy.stream.StreamInfo;
import io.trellis.proxy.upstream.Cluster;
import io.trellis.proxy.upstream.Host;
import io.trellis.proxy.upstream.LoadBalancerContext;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One proxied TCP connection: the downstream channel, its upstream channel (same event loop), and the byte pipe
 * between them. Reading on one side pauses while the other side's write buffer is above its high watermark and
 * resumes when it drains. A FIN from one side is passed on as a FIN to the other (shutdownOutput, after the bytes
 * before it are written); the connection closes when both directions are done, or when either side closes.
 * Confined to the event loop of the downstream channel.
 */
final class TcpProxySession {
  private static final Logger LOG = Logger.getLogger(TcpProxySession.class.getName());

  private final TcpProxyFactory.Settings settings;
  private final TcpProxyStats stats;
  private final Channel downstream;
  private final StreamInfo info = new StreamInfo();
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
  private Channel upstream;
  private Cluster cluster;
  private TcpProxyStats.ClusterCounters clusterCounters;
  private int attempts;
  private boolean upstreamConnected;
  private boolean downstreamEof;
  private boolean upstreamEof;
  private int outputsShut;
  private boolean downstreamPaused;
  private boolean upstreamPaused;
  private boolean finished;
  private long lastActivityNanos;
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> durationTimer;

  TcpProxySession(TcpProxyFactory.Settings settings, Channel downstream, DownstreamConnection connection) {
    this.settings = settings;
    this.stats = settings.stats();
    this.downstream = downstream;
    info.startEpochMillis = System.currentTimeMillis();
    info.startNanos = System.nanoTime();
    info.downstreamLocalAddress = connection.localAddress();
    info.downstreamRemoteAddress = connection.remoteAddress();
    info.downstreamDirectRemoteAddress = connection.remoteAddress();
    info.requestedServerName = connection.serverName();
  }

  void start() {
    stats.cxTotal().inc();
    downstream.config().setAutoRead(false);
    downstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    downstream.pipeline().addLast("tcp_proxy", new DownstreamHandler());
    downstream.closeFuture().addListener(f -> onDownstreamClosed());
    lastActivityNanos = System.nanoTime();
    if (settings.idleTimeoutMillis() > 0) {
      idleTimer = downstream.eventLoop().schedule(this::checkIdle, settings.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
    if (settings.maxDurationMillis() > 0) {
      durationTimer = downstream.eventLoop().schedule(() -> {
        stats.maxDuration().inc();
        info.connectionTerminationDetails = "max_downstream_connection_duration";
        closeBoth();
      }, settings.maxDurationMillis(), TimeUnit.MILLISECONDS);
    }
    String name = settings.pickClusterName();
    info.upstreamCluster = name;
    cluster = settings.clusters().get(name);
    if (cluster == null) {
      stats.noRoute().inc();
      info.setFlag(ResponseFlag.NO_CLUSTER_FOUND);
      info.failureReason = "tcp_proxy: cluster '" + name + "' does not exist";
      downstream.close();
      return;
    }
    clusterCounters = settings.counters(cluster);
    connect();
  }

  private void connect() {
    Host host = cluster.chooseHost(downstream.eventLoop(), LoadBalancerContext.NONE);
    if (host == null) {
      info.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
      info.failureReason = "tcp_proxy: " + ResponseFlag.NO_HEALTHY_UPSTREAM.reason() + " '" + cluster.name() + "'";
      downstream.close();
      return;
    }
    attempts++;
    info.upstreamHost = host.address();
    info.attemptCount = attempts;
    ChannelFuture f = cluster.connect(downstream.eventLoop(), host, new UpstreamHandler());
    upstream = f.channel();
    f.addListener((ChannelFutureListener) this::onConnect);
  }

  private void onConnect(ChannelFuture f) {
    if (finished || !downstream.isActive()) {
      f.channel().close();
      return;
    }
    if (!f.isSuccess()) {
      info.upstreamTransportFailureReason = String.valueOf(f.cause());
      if (attempts < settings.maxConnectAttempts()) {
        connect();
        return;
      }
      if (settings.maxConnectAttempts() > 1) {
        clusterCounters.connectAttemptsExceeded().inc();
      }
      info.setFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
      info.failureReason = "tcp_proxy: " + ResponseFlag.UPSTREAM_CONNECTION_FAILURE.reason() + " "
          + info.upstreamHost + " (" + f.cause().getMessage() + ")";
      downstream.close();
      return;
    }
    upstreamConnected = true;
    info.upstreamLocalAddress = upstream.localAddress();
    upstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    upstream.closeFuture().addListener(x -> onUpstreamClosed());
    ByteBuf b;
    while ((b = pending.poll()) != null) {
      upstream.write(b);
    }
    upstream.flush();
    if (downstreamEof) {
      shutdownOutput(upstream);
    } else if (upstream.isWritable()) {
      setAutoRead(downstream, true);
    } else {
      pauseDownstream();
    }
  }

  /**
   * Turns reading on or off, unless the channel's input is already shut down (then there is nothing left to read,
   * and epoll may have dropped the descriptor's read interest already).
   */
  private static void setAutoRead(Channel ch, boolean on) {
    if (!ch.isActive() || ch instanceof DuplexChannel d && d.isInputShutdown()) {
      return;
    }
    try {
      ch.config().setAutoRead(on);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "tcp_proxy: cannot change reading on " + ch, e);
    }
  }

  private void pauseDownstream() {
    if (!downstreamPaused) {
      downstreamPaused = true;
      setAutoRead(downstream, false);
      stats.pausedReading().inc();
    }
  }

  private void pauseUpstream() {
    if (!upstreamPaused) {
      upstreamPaused = true;
      setAutoRead(upstream, false);
      clusterCounters.pausedReading().inc();
    }
  }

  private void resumeDownstream() {
    if (downstreamPaused) {
      downstreamPaused = false;
      setAutoRead(downstream, true);
      stats.resumedReading().inc();
    }
  }

  private void resumeUpstream() {
    if (upstreamPaused && upstream != null) {
      upstreamPaused = false;
      setAutoRead(upstream, true);
      clusterCounters.resumedReading().inc();
    }
  }

  private void checkIdle() {
    idleTimer = null;
    if (finished) {
      return;
    }
    long idleNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMillis());
    long quiet = System.nanoTime() - lastActivityNanos;
    if (quiet >= idleNanos) {
      stats.idleTimeout().inc();
      info.connectionTerminationDetails = "idle_timeout";
      info.failureReason = "tcp_proxy: no bytes in either direction for " + settings.idleTimeoutMillis() + " ms";
      closeBoth();
      return;
    }
    idleTimer = downstream.eventLoop().schedule(this::checkIdle, idleNanos - quiet, TimeUnit.NANOSECONDS);
  }

  /** Passes a FIN on: writes out what is queued, then shuts the output down; closes all when both ways are done. */
  private void shutdownOutput(Channel ch) {
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
      if (ch instanceof DuplexChannel d && ch.isActive()) {
        d.shutdownOutput().addListener(x -> {
          if (++outputsShut == 2) {
            closeBoth();
          }
        });
      } else {
        closeLater(ch);
      }
    });
  }

  private void closeBoth() {
    closeLater(downstream);
    if (upstream != null) {
      closeLater(upstream);
    }
  }

  /**
   * Closes on a later turn of the loop, not inside the read or write that got us here: with epoll, closing a channel
   * in the middle of its event processing lets Netty touch the freed descriptor afterwards (shutdown or epoll_ctl on a
   * number the kernel may have handed to another socket already).
   */
  private static void closeLater(Channel ch) {
    try {
      ch.eventLoop().execute(() -> ch.close());
    } catch (java.util.concurrent.RejectedExecutionException e) {
      ch.close();                       // the loop is shutting down
    }
  }

  /** Closes {@code ch} once the bytes queued for it are written. */
  private void flushAndClose(Channel ch, boolean upstreamSide) {
    if (!ch.isActive()) {
      return;
    }
    ChannelOutboundBuffer ob = ch.unsafe().outboundBuffer();
    boolean flushing = upstreamSide && ob != null && ob.totalPendingWriteBytes() > 0;
    if (flushing) {
      stats.flushTotal().inc();
      stats.flushActive().inc();
    }
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
      if (flushing) {
        stats.flushActive().dec();
      }
      closeLater(ch);
    });
  }

  private void onDownstreamClosed() {
    ByteBuf b;
    while ((b = pending.poll()) != null) {
      b.release();
    }
    if (upstream != null) {
      if (upstreamConnected) {
        flushAndClose(upstream, true);
      } else {
        upstream.close();
      }
    }
    finish();
  }

  private void onUpstreamClosed() {
    if (downstream.isActive()) {
      flushAndClose(downstream, false);
    }
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    if (durationTimer != null) {
      durationTimer.cancel(false);
    }
    info.endNanos = System.nanoTime();
    try {
      settings.accessLog().log(info);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "tcp_proxy access log failed", e);
    }
  }

  /** Bytes from the client to the upstream. */
  private final class DownstreamHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      int n = buf.readableBytes();
      info.bytesReceived += n;
      stats.rxBytes().add(n);
      lastActivityNanos = System.nanoTime();
      if (!upstreamConnected) {
        if (finished) {
          buf.release();
        } else {
          pending.add(buf);
        }
        return;
      }
      upstream.write(buf);
      if (!upstream.isWritable()) {
        // Pause before flushing: the flush may make the channel writable again, and that event must see the pause.
        pauseDownstream();
        upstream.flush();
        if (upstream.isWritable()) {
          resumeDownstream();
        }
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (upstreamConnected) {
        upstream.flush();
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        downstreamEof = true;
        if (upstreamConnected) {
          shutdownOutput(upstream);
        }
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        resumeUpstream();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(Level.FINE, "tcp_proxy: downstream error", cause);
      if (!info.hasFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE)) {
        info.connectionTerminationDetails = "downstream: " + cause.getMessage();
      }
      ctx.close();
    }
  }

  /** Bytes from the upstream to the client. */
  private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      // before the first read, so an early FIN from the upstream is a half-close and not a close
      ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      int n = buf.readableBytes();
      info.bytesSent += n;
      stats.txBytes().add(n);
      lastActivityNanos = System.nanoTime();
      if (info.firstUpstreamByteNanos == 0) {
        info.firstUpstreamByteNanos = lastActivityNanos;
      }
      downstream.write(buf);
      if (!downstream.isWritable()) {
        pauseUpstream();
        downstream.flush();
        if (downstream.isWritable()) {
          resumeUpstream();
        }
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      downstream.flush();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        upstreamEof = true;
        shutdownOutput(downstream);
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        resumeDownstream();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(Level.FINE, "tcp_proxy: upstream error", cause);
      ctx.close();
    }
  }
}
