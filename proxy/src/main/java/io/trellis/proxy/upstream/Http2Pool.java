package io.trellis.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.tls.UpstreamTls;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 pool: streams are multiplexed over one connection per (loop, host); a further connection is opened only when
 * every open one has reached the peer's {@code SETTINGS_MAX_CONCURRENT_STREAMS} (or the cluster's own
 * {@code max_concurrent_streams}), or has received GOAWAY, or has served {@code max_requests_per_connection} streams.
 * Plaintext speaks h2c with prior knowledge; TLS offers ALPN h2. A connection takes streams once the peer's first
 * SETTINGS frame has arrived, so its limit is known.
 */
final class Http2Pool implements ConnectionPool {
  private final UpstreamCluster cluster;
  private final EventLoop loop;
  private Host host; // where new connections go (changes for LOGICAL_DNS)
  private HostStats hostStats;
  private static final int DEFAULT_WINDOW = 65_535;
  private final List<Conn> conns = new ArrayList<>();
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS as last seen; new connections assume it until their SETTINGS. */
  private long knownPeerMax = Long.MAX_VALUE;

  Http2Pool(UpstreamCluster cluster, EventLoop loop, Host host, HostStats hostStats) {
    this.cluster = cluster;
    this.loop = loop;
    this.host = host;
    this.hostStats = hostStats;
  }

  @Override
  public void acquire(Promise<UpstreamHttpStream> promise) {
    for (Conn c : conns) {
      if (c.canTake()) {
        c.take(promise);
        return;
      }
    }
    Conn c = new Conn();
    conns.add(c);
    cluster.stats.cxHttp2Total.inc();
    c.connect();
    c.take(promise);
  }

  @Override
  public void retarget(Host newHost, HostStats newStats) {
    this.host = newHost;
    this.hostStats = newStats;
  }

  @Override
  public void drain() {
    for (Conn c : new ArrayList<>(conns)) {
      c.stopTakingStreams();
    }
  }

  /** One HTTP/2 connection and its stream accounting. */
  private final class Conn extends ChannelInboundHandlerAdapter {
    final Host connHost = host;
    final HostStats connStats = hostStats;
    Channel channel;
    boolean ready;
    boolean failed;
    boolean goAway;
    boolean maxedOut;
    long peerMaxStreams = knownPeerMax;
    int reserved; // streams leased or waiting for the connection
    long streamsTotal;
    final ArrayDeque<Promise<UpstreamHttpStream>> waiters = new ArrayDeque<>();
    ScheduledFuture<?> idleTimer;
    ScheduledFuture<?> settingsTimer;

    boolean canTake() {
      return !failed && !goAway && !maxedOut && (channel == null || channel.isActive() || !ready)
          && reserved < Math.min(peerMaxStreams, cluster.config.h2MaxConcurrentStreams());
    }

    void connect() {
      ChannelFuture cf = cluster.connect(loop, connHost, this, UpstreamTls.Alpn.H2);
      channel = cf.channel();
      cluster.stats.rqPendingActive.inc();
      cf.addListener((ChannelFuture f) -> {
        if (!f.isSuccess()) {
          fail(f.cause());
          return;
        }
        // wait for the peer's SETTINGS (bounded by connect_timeout)
        settingsTimer = loop.schedule(() -> {
          if (!ready) {
            fail(new io.netty.channel.ConnectTimeoutException("no HTTP/2 SETTINGS from " + connHost.addressString()
                + " within connect_timeout"));
            channel.close();
          }
        }, cluster.config.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
      });
      channel.closeFuture().addListener(x -> {
        conns.remove(this);
        fail(new java.io.IOException(ready ? "upstream HTTP/2 connection to " + connHost.addressString() + " closed"
            : "upstream " + connHost.addressString() + " closed the connection before its HTTP/2 SETTINGS "
                + "(not an HTTP/2 server?)"));
        cancelIdle();
      });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      Http2Settings settings = Http2Settings.defaultSettings().pushEnabled(false)
          .initialWindowSize(cluster.config.h2InitialStreamWindow())
          .headerTableSize(cluster.config.h2HpackTableSize());
      if (cluster.config.h2MaxConcurrentStreams() < Integer.MAX_VALUE) {
        settings.maxConcurrentStreams(cluster.config.h2MaxConcurrentStreams());
      }
      Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().initialSettings(settings)
          .encoderEnforceMaxConcurrentStreams(true).validateHeaders(true).build();
      ctx.pipeline().addBefore(ctx.name(), "h2-codec", codec);
      ctx.pipeline().addBefore(ctx.name(), "h2-multiplex", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
          ReferenceCountUtil.release(msg); // pushed streams: push is disabled, drop anything else
        }
      }));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2SettingsFrame s) {
          Long max = s.settings().maxConcurrentStreams();
          if (max != null) {
            peerMaxStreams = max;
            knownPeerMax = max;
          }
          if (!ready) {
            ready = true;
            int connectionWindow = cluster.config.h2InitialConnectionWindow();
            if (connectionWindow > DEFAULT_WINDOW) {
              // initial_connection_window_size: grow the connection window beyond HTTP/2's 65535
              ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(connectionWindow - DEFAULT_WINDOW));
            }
            if (settingsTimer != null) {
              settingsTimer.cancel(false);
            }
            cluster.stats.rqPendingActive.dec();
            serveWaiters();
          }
        } else if (msg instanceof Http2GoAwayFrame g) {
          stopTakingStreams();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    void stopTakingStreams() {
      goAway = true;
      conns.remove(this);
      if (reserved == 0 && channel != null) {
        channel.close();
      }
    }

    /** Opens the waiting streams this connection may carry; hands any excess back to the pool. */
    private void serveWaiters() {
      long limit = Math.min(peerMaxStreams, cluster.config.h2MaxConcurrentStreams());
      List<Promise<UpstreamHttpStream>> excess = new ArrayList<>();
      while (waiters.size() > 0 && reserved > limit) {
        excess.add(0, waiters.pollLast());
        reserved--;
        streamsTotal--;
      }
      Promise<UpstreamHttpStream> p;
      while ((p = waiters.pollFirst()) != null) {
        openStream(p);
      }
      for (Promise<UpstreamHttpStream> e : excess) {
        acquire(e);
      }
    }

    private void fail(Throwable cause) {
      if (!ready && !failed) {
        cluster.stats.rqPendingActive.dec();
      }
      failed = true;
      conns.remove(this);
      Promise<UpstreamHttpStream> p;
      while ((p = waiters.pollFirst()) != null) {
        reserved--;
        p.tryFailure(cause);
      }
    }

    void take(Promise<UpstreamHttpStream> promise) {
      reserved++;
      streamsTotal++;
      cancelIdle();
      long max = cluster.config.maxRequestsPerConnection();
      if (max > 0 && streamsTotal >= max) {
        maxedOut = true;
        cluster.stats.cxMaxRequests.inc();
        conns.remove(this);
      }
      if (ready) {
        openStream(promise);
      } else {
        waiters.addLast(promise);
      }
    }

    private void openStream(Promise<UpstreamHttpStream> promise) {
      StatusObserver observer = new StatusObserver(connStats);
      new Http2StreamChannelBootstrap(channel).handler(new ChannelInitializer<Http2StreamChannel>() {
        @Override
        protected void initChannel(Http2StreamChannel ch) {
          ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), observer);
        }
      }).open()
          .addListener((Future<Http2StreamChannel> f) -> {
            if (!f.isSuccess()) {
              streamClosed();
              promise.tryFailure(f.cause());
              return;
            }
            Http2StreamChannel stream = f.getNow();
            connStats.rqTotal.increment();
            connStats.rqActive.increment();
            stream.closeFuture().addListener(x -> {
              connStats.rqActive.decrement();
              if (!observer.responded) {
                connStats.recordError(); // reset or closed before a response
              }
              streamClosed();
            });
            Stream s = new Stream(stream, connHost);
            if (!promise.trySuccess(s)) {
              s.release(false);
            }
          });
    }

    private void streamClosed() {
      reserved--;
      if (reserved == 0) {
        if (goAway || maxedOut) {
          channel.close();
        } else if (channel.isActive()) {
          idleTimer = loop.schedule(() -> {
            if (reserved == 0) {
              cluster.stats.cxIdleTimeout.inc();
              conns.remove(this);
              channel.close();
            }
          }, cluster.config.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
      }
    }

    private void cancelIdle() {
      if (idleTimer != null) {
        idleTimer.cancel(false);
        idleTimer = null;
      }
    }
  }

  /** Counts the stream's outcome for /clusters from the response status. */
  private static final class StatusObserver extends ChannelInboundHandlerAdapter {
    private final HostStats stats;
    boolean responded;

    StatusObserver(HostStats stats) {
      this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!responded && msg instanceof HttpResponse r && r.status().code() >= 200) {
        responded = true;
        stats.recordResponse(r.status().code());
      }
      ctx.fireChannelRead(msg);
    }
  }

  private final class Stream implements UpstreamHttpStream {
    private final Http2StreamChannel channel;
    private final Host streamHost;

    Stream(Http2StreamChannel channel, Host streamHost) {
      this.channel = channel;
      this.streamHost = streamHost;
    }

    @Override
    public Channel channel() {
      return channel;
    }

    @Override
    public String protocol() {
      return "HTTP/2";
    }

    @Override
    public Host host() {
      return streamHost;
    }

    @Override
    public void release(boolean reusable) {
      if (channel.isOpen()) {
        channel.close(); // resets the stream if it is still open
      }
    }
  }
}
