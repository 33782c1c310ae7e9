package io.trellis.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.tls.UpstreamTls;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 keep-alive pool: idle connections are reused last-in first-out; when none is idle a new connection is opened
 * (requests never wait for a busy connection). A connection leaves the pool after {@code max_requests_per_connection}
 * requests, after {@code idle_timeout} unused, or when the peer closes it.
 */
final class Http1Pool implements ConnectionPool {
  private final UpstreamCluster cluster;
  private final EventLoop loop;
  private Host host; // where new connections go (changes for LOGICAL_DNS)
  private HostStats hostStats;
  private final ArrayDeque<Conn> idle = new ArrayDeque<>();
  private boolean draining;

  Http1Pool(UpstreamCluster cluster, EventLoop loop, Host host, HostStats hostStats) {
    this.cluster = cluster;
    this.loop = loop;
    this.host = host;
    this.hostStats = hostStats;
  }

  @Override
  public void acquire(Promise<UpstreamHttpStream> promise) {
    Conn c;
    while ((c = idle.pollFirst()) != null) {
      c.cancelIdleTimer();
      if (c.channel.isActive()) {
        c.lease(promise);
        return;
      }
    }
    Conn conn = new Conn();
    cluster.stats.rqPendingTotal.inc();
    cluster.stats.rqPendingActive.inc();
    cluster.stats.cxHttp1Total.inc();
    ChannelFuture cf = cluster.connect(loop, host, conn, UpstreamTls.Alpn.HTTP1);
    conn.channel = cf.channel();
    cf.addListener((ChannelFuture f) -> {
      cluster.stats.rqPendingActive.dec();
      if (!f.isSuccess()) {
        promise.tryFailure(f.cause());
        return;
      }
      if (!f.channel().isActive()) {
        promise.tryFailure(new java.nio.channels.ClosedChannelException());
        return;
      }
      conn.lease(promise);
    });
  }

  @Override
  public void retarget(Host newHost, HostStats newStats) {
    this.host = newHost;
    this.hostStats = newStats;
  }

  @Override
  public void drain() {
    draining = true;
    Conn c;
    while ((c = idle.pollFirst()) != null) {
      c.cancelIdleTimer();
      c.channel.close();
    }
  }

  /** One connection; also the pipeline handler that watches it while it is idle. */
  private final class Conn extends ChannelInboundHandlerAdapter {
    final Host connHost = host;
    final HostStats connStats = hostStats;
    Channel channel;
    long requests;
    boolean leased;
    boolean responded;
    ScheduledFuture<?> idleTimer;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.pipeline().addBefore(ctx.name(), "http-client-codec", new HttpClientCodec(4096, 65536, 8192, true));
    }

    void lease(Promise<UpstreamHttpStream> promise) {
      leased = true;
      responded = false;
      requests++;
      connStats.rqTotal.increment();
      connStats.rqActive.increment();
      UpstreamHttpStream stream = new Stream(this);
      if (!promise.trySuccess(stream)) {
        stream.release(true); // the caller gave up (cancelled) meanwhile
      }
    }

    void release(boolean reusable) {
      if (!leased) {
        return;
      }
      leased = false;
      connStats.rqActive.decrement();
      if (!responded) {
        connStats.recordError();
      }
      cleanPipeline();
      if (!channel.config().isAutoRead()) {
        channel.config().setAutoRead(true); // the last user may have paused reading for backpressure
      }
      long max = cluster.config.maxRequestsPerConnection();
      if (max > 0 && requests >= max) {
        cluster.stats.cxMaxRequests.inc();
        channel.close();
        return;
      }
      if (!reusable || draining || !channel.isActive()) {
        channel.close();
        return;
      }
      idle.addFirst(this);
      idleTimer = loop.schedule(() -> {
        if (idle.remove(this)) {
          cluster.stats.cxIdleTimeout.inc();
          channel.close();
        }
      }, cluster.config.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    void cancelIdleTimer() {
      if (idleTimer != null) {
        idleTimer.cancel(false);
        idleTimer = null;
      }
    }

    /** Removes whatever the last user left after this handler, so the next user gets a clean channel. */
    private void cleanPipeline() {
      ChannelPipeline p = channel.pipeline();
      List<String> extra = new ArrayList<>();
      boolean after = false;
      for (Map.Entry<String, ChannelHandler> e : p) {
        if (after) {
          extra.add(e.getKey());
        } else if (e.getValue() == this) {
          after = true;
        }
      }
      for (String name : extra) {
        p.remove(name);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (leased) {
        if (msg instanceof HttpResponse r && r.status().code() >= 200 && !responded) {
          responded = true;
          connStats.recordResponse(r.status().code());
        }
        ctx.fireChannelRead(msg);
        return;
      }
      // Bytes on an idle connection: the response framing is off; drop the connection.
      ReferenceCountUtil.release(msg);
      idle.remove(this);
      cancelIdleTimer();
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!leased && idle.remove(this)) {
        cancelIdleTimer();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (leased) {
        ctx.fireExceptionCaught(cause);
      } else {
        ctx.close();
      }
    }
  }

  private final class Stream implements UpstreamHttpStream {
    private final Conn conn;
    private boolean released;

    Stream(Conn conn) {
      this.conn = conn;
    }

    @Override
    public Channel channel() {
      return conn.channel;
    }

    @Override
    public String protocol() {
      return "HTTP/1.1";
    }

    @Override
    public Host host() {
      return conn.connHost;
    }

    @Override
    public void release(boolean reusable) {
      if (released) {
        return;
      }
      released = true;
      if (loop.inEventLoop()) {
        conn.release(reusable);
      } else {
        loop.execute(() -> conn.release(reusable));
      }
    }
  }
}
