package io.trellis.proxy.upstream;

import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.stats.Counter;
import io.trellis.proxy.stats.Gauge;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.tls.UpstreamTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/**
 * A STATIC, STRICT_DNS or LOGICAL_DNS cluster: an immutable {@link HostSet} replaced atomically on DNS refresh, one
 * round-robin balancer and one set of connection pools per event loop (thread-confined, no locks), upstream TLS, and
 * Envoy's {@code cluster.<name>.*} connection stats.
 */
final class UpstreamCluster implements Cluster, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(UpstreamCluster.class.getName());
  /** Set by the close tracker when our side called close(); otherwise the peer closed. */
  static final AttributeKey<Boolean> LOCAL_CLOSE = AttributeKey.valueOf("trellis.upstream.localClose");

  final ClusterConfig config;
  final Stats stats;
  private final StatsStore.Scope scope;
  private volatile HostSet hostSet = HostSet.EMPTY;
  private final Map<InetSocketAddress, HostStats> hostStats = new ConcurrentHashMap<>();
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final CompletableFuture<Void> initialized = new CompletableFuture<>();
  private final FastThreadLocal<LoopState> loopState = new FastThreadLocal<>() {
    @Override
    protected LoopState initialValue() {
      return new LoopState();
    }
  };
  // DNS state, confined to the resolver's loop.
  private final DnsHostResolver dns;
  private final Map<ClusterConfig.EndpointSpec, List<InetAddress>> lastResolved = new HashMap<>();
  private ScheduledFuture<?> refreshTimer;
  private int consecutiveFailures;
  private volatile boolean closed;
  private long version;

  /** Envoy's cluster connection stats, looked up once. */
  static final class Stats {
    final Counter cxTotal;
    final Gauge cxActive;
    final Counter cxHttp1Total;
    final Counter cxHttp2Total;
    final Counter cxConnectFail;
    final Counter cxConnectTimeout;
    final Counter cxDestroy;
    final Counter cxDestroyLocal;
    final Counter cxDestroyRemote;
    final Counter cxMaxRequests;
    final Counter cxIdleTimeout;
    final Counter rqPendingTotal;
    final Gauge rqPendingActive;
    final Counter cxNoneHealthy;
    final Gauge membershipTotal;
    final Gauge membershipHealthy;
    final Gauge membershipDegraded;
    final Counter membershipChange;
    final Counter updateAttempt;
    final Counter updateSuccess;
    final Counter updateFailure;
    final Counter updateNoRebuild;

    Stats(StatsStore.Scope s) {
      cxTotal = s.counter("upstream_cx_total");
      cxActive = s.gauge("upstream_cx_active");
      cxHttp1Total = s.counter("upstream_cx_http1_total");
      cxHttp2Total = s.counter("upstream_cx_http2_total");
      cxConnectFail = s.counter("upstream_cx_connect_fail");
      cxConnectTimeout = s.counter("upstream_cx_connect_timeout");
      cxDestroy = s.counter("upstream_cx_destroy");
      cxDestroyLocal = s.counter("upstream_cx_destroy_local");
      cxDestroyRemote = s.counter("upstream_cx_destroy_remote");
      cxMaxRequests = s.counter("upstream_cx_max_requests");
      cxIdleTimeout = s.counter("upstream_cx_idle_timeout");
      rqPendingTotal = s.counter("upstream_rq_pending_total");
      rqPendingActive = s.gauge("upstream_rq_pending_active");
      cxNoneHealthy = s.counter("upstream_cx_none_healthy");
      membershipTotal = s.gauge("membership_total");
      membershipHealthy = s.gauge("membership_healthy");
      membershipDegraded = s.gauge("membership_degraded");
      membershipChange = s.counter("membership_change");
      updateAttempt = s.counter("update_attempt");
      updateSuccess = s.counter("update_success");
      updateFailure = s.counter("update_failure");
      updateNoRebuild = s.counter("update_no_rebuild");
    }
  }

  /** What one event loop keeps for this cluster: its balancer (for one host-set version) and its pools. */
  private static final class LoopState {
    HostSet lbFor;
    LoadBalancer lb;
    Host logicalTarget;
    final Map<PoolKey, ConnectionPool> pools = new HashMap<>();
  }

  private record PoolKey(Host host, boolean http2) {}

  UpstreamCluster(ClusterConfig config, StatsStore store, EventLoop dnsLoop, Executor blocking) {
    this.config = config;
    this.scope = store.scope("cluster." + config.name() + ".");
    this.stats = new Stats(scope);
    if (config.type() == DiscoveryType.STATIC) {
      this.dns = null;
      List<Host> hosts = new ArrayList<>();
      Set<Host> unhealthy = new HashSet<>();
      for (ClusterConfig.EndpointSpec e : config.endpoints()) {
        Host h = e.toHost(InetAddress.ofLiteral(e.address()));
        hosts.add(h);
        if (!e.healthy()) {
          unhealthy.add(h);
        }
      }
      publish(hosts, unhealthy);
      initialized.complete(null);
    } else {
      this.dns = new DnsHostResolver(dnsLoop, config.dnsResolvers(), config.dnsUseTcp(), config.lookupFamily(),
          config.respectDnsTtl(), Math.max(1000, Math.min(config.dnsRefreshMillis(), 5000)), blocking);
      dnsLoop.execute(this::resolveRound);
    }
  }

  /** Completes when the first host set is known (after the first DNS round for DNS clusters, even a failed one). */
  CompletableFuture<Void> initialized() {
    return initialized;
  }

  private void publish(List<Host> hosts, Set<Host> unhealthy) {
    HostSet current = hostSet;
    if (current.all().equals(hosts) && current.unhealthy().equals(unhealthy) && current.version() > 0) {
      stats.updateNoRebuild.inc();
      return;
    }
    HostSet next = HostSet.of(hosts, unhealthy, ++version);
    hostSet = next;
    stats.membershipTotal.set(hosts.size());
    stats.membershipHealthy.set(next.healthyCount());
    stats.membershipDegraded.set(0);
    stats.membershipChange.inc();
  }

  // ---- DNS (on the resolver's loop) ----

  private void resolveRound() {
    if (closed) {
      return;
    }
    stats.updateAttempt.inc();
    List<ClusterConfig.EndpointSpec> specs = config.endpoints();
    List<Future<DnsHostResolver.Result>> futures = new ArrayList<>();
    for (ClusterConfig.EndpointSpec spec : specs) {
      futures.add(dns.resolve(spec.address()));
    }
    int[] remaining = {futures.size()};
    if (futures.isEmpty()) {
      finishRound(specs, futures);
      return;
    }
    for (Future<DnsHostResolver.Result> f : futures) {
      f.addListener(x -> {
        if (--remaining[0] == 0) {
          finishRound(specs, futures);
        }
      });
    }
  }

  private void finishRound(List<ClusterConfig.EndpointSpec> specs, List<Future<DnsHostResolver.Result>> results) {
    if (closed) {
      return;
    }
    boolean failed = false;
    long ttl = Long.MAX_VALUE;
    List<Host> hosts = new ArrayList<>();
    Set<Host> unhealthy = new HashSet<>();
    for (int i = 0; i < specs.size(); i++) {
      ClusterConfig.EndpointSpec spec = specs.get(i);
      Future<DnsHostResolver.Result> f = results.get(i);
      List<InetAddress> addresses;
      if (f.isSuccess()) {
        addresses = f.getNow().addresses();
        if (f.getNow().ttlSeconds() >= 0) {
          ttl = Math.min(ttl, f.getNow().ttlSeconds());
        }
        lastResolved.put(spec, addresses);
      } else {
        failed = true;
        LOG.log(Level.FINE, "cluster " + config.name() + ": cannot resolve " + spec.address(), f.cause());
        addresses = lastResolved.getOrDefault(spec, List.of()); // keep the last good answer
      }
      List<InetAddress> used = config.type() == DiscoveryType.LOGICAL_DNS && !addresses.isEmpty()
          ? addresses.subList(0, 1) : addresses;
      for (InetAddress a : used) {
        Host h = spec.toHost(a);
        hosts.add(h);
        if (!spec.healthy()) {
          unhealthy.add(h);
        }
      }
    }
    if (failed) {
      stats.updateFailure.inc();
    } else {
      stats.updateSuccess.inc();
    }
    publish(hosts, unhealthy);
    initialized.complete(null);
    // failures back off exponentially from base_interval to max_interval; a success resets
    consecutiveFailures = failed ? Math.min(consecutiveFailures + 1, 30) : 0;
    long next = failed
        ? Math.min(config.dnsFailureMaxRefreshMillis(), config.dnsFailureRefreshMillis() << (consecutiveFailures - 1))
        : config.dnsRefreshMillis();
    if (!failed && config.respectDnsTtl() && ttl != Long.MAX_VALUE) {
      next = Math.max(TimeUnit.SECONDS.toMillis(ttl), Math.min(config.dnsRefreshMillis(), 5000));
    }
    refreshTimer = dns.loop().schedule(this::resolveRound, next, TimeUnit.MILLISECONDS);
  }

  // ---- Cluster ----

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public StatsStore.Scope stats() {
    return scope;
  }

  @Override
  public List<Host> hosts() {
    return hostSet.all();
  }

  @Override
  public HostStats hostStats(Host host) {
    return hostStats.computeIfAbsent(host.address(), a -> new HostStats());
  }

  @Override
  public boolean healthy(Host host) {
    return !hostSet.unhealthy().contains(host);
  }

  @Override
  public String type() {
    return config.type().name();
  }

  @Override
  public Host chooseHost(EventLoop loop, LoadBalancerContext context) {
    LoopState state = loopState.get();
    HostSet set = hostSet;
    if (state.lbFor != set) {
      if (state.lbFor != null && config.type() != DiscoveryType.LOGICAL_DNS) {
        drainRemovedHosts(state, set);
      }
      state.lb = new RoundRobinLoadBalancer(set.active(), System.identityHashCode(loop));
      state.lbFor = set;
    }
    Host h = state.lb.choose(context == null ? LoadBalancerContext.NONE : context);
    if (h == null) {
      stats.cxNoneHealthy.inc();
    }
    return h;
  }

  /**
   * Pools of hosts that left the set stop taking new streams; idle connections close. (Not for LOGICAL_DNS, whose
   * connections survive address changes, as in Envoy.)
   */
  private static void drainRemovedHosts(LoopState state, HostSet set) {
    Set<Host> present = new HashSet<>(set.all());
    for (Iterator<Map.Entry<PoolKey, ConnectionPool>> it = state.pools.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<PoolKey, ConnectionPool> e = it.next();
      if (!present.contains(e.getKey().host())) {
        e.getValue().drain();
        it.remove();
      }
    }
  }

  @Override
  public ChannelFuture connect(EventLoop loop, Host host, ChannelHandler handler) {
    return connect(loop, host, handler, UpstreamTls.Alpn.CONFIGURED);
  }

  /**
   * Opens a connection; the returned future completes once TCP is connected and the TLS handshake (if any) is done,
   * and fails with the reason otherwise (counted as upstream_cx_connect_fail / _timeout).
   */
  ChannelFuture connect(EventLoop loop, Host host, ChannelHandler handler, UpstreamTls.Alpn alpn) {
    UpstreamTls tls = config.tls();
    long timeout = config.connectTimeoutMillis();
    HostStats hs = hostStats(host);
    ChannelFuture cf = new Bootstrap().group(loop).channel(io.trellis.proxy.server.Transport.socketChannel())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new io.netty.channel.WriteBufferWaterMark(
            config.perConnectionBufferLimitBytes() / 2, Math.max(1, config.perConnectionBufferLimitBytes())))
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("close-tracker", CloseTracker.INSTANCE);
            if (tls != null) {
              ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), host.address().getPort(), alpn, timeout));
            }
            ch.pipeline().addLast(handler);
          }
        })
        .connect(host.address());
    Channel ch = cf.channel();
    ChannelPromise done = ch.newPromise();
    stats.cxTotal.inc();
    stats.cxActive.inc();
    hs.cxTotal.increment();
    hs.cxActive.increment();
    channels.add(ch);
    boolean[] connected = {false};
    ch.closeFuture().addListener(x -> {
      stats.cxActive.dec();
      hs.cxActive.decrement();
      if (connected[0]) {
        stats.cxDestroy.inc();
        if (Boolean.TRUE.equals(ch.attr(LOCAL_CLOSE).get())) {
          stats.cxDestroyLocal.inc();
        } else {
          stats.cxDestroyRemote.inc();
        }
      }
    });
    cf.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        stats.cxConnectFail.inc();
        hs.cxConnectFail.increment();
        if (f.cause() instanceof ConnectTimeoutException) {
          stats.cxConnectTimeout.inc();
        }
        done.tryFailure(f.cause());
        return;
      }
      connected[0] = true;
      SslHandler ssl = tls == null ? null : ch.pipeline().get(SslHandler.class);
      if (ssl == null) {
        done.trySuccess();
        return;
      }
      ssl.handshakeFuture().addListener(h -> {
        if (h.isSuccess()) {
          done.trySuccess();
        } else {
          stats.cxConnectFail.inc();
          hs.cxConnectFail.increment();
          String reason = UpstreamTls.failureReason(h.cause());
          if (reason.contains("handshake timed out")) {
            stats.cxConnectTimeout.inc();
          }
          SSLException e = new SSLException("upstream TLS handshake with " + host.addressString()
              + (tls.sni().isEmpty() ? "" : " (SNI " + tls.sni() + ")") + " failed: " + reason, h.cause());
          done.tryFailure(e);
          ch.close();
        }
      });
    });
    return done;
  }

  @Override
  public Future<UpstreamHttpStream> acquireHttpStream(EventLoop loop, Host host, boolean downstreamHttp2) {
    boolean h2 = switch (config.protocol()) {
      case HTTP2 -> true;
      case HTTP1 -> false;
      case DOWNSTREAM -> downstreamHttp2;
    };
    Promise<UpstreamHttpStream> promise = loop.newPromise();
    if (closed) {
      promise.setFailure(new IllegalStateException("cluster " + config.name() + " is closed"));
      return promise;
    }
    LoopState state = loopState.get();
    boolean logical = config.type() == DiscoveryType.LOGICAL_DNS;
    // LOGICAL_DNS: one pool per protocol for the logical host, retargeted when its address changes
    PoolKey key = new PoolKey(logical ? null : host, h2);
    if (logical && !host.equals(state.logicalTarget)) {
      for (ConnectionPool p : state.pools.values()) {
        p.retarget(host, hostStats(host));
      }
      state.logicalTarget = host;
    }
    ConnectionPool pool = state.pools.get(key);
    if (pool == null) {
      pool = h2 ? new Http2Pool(this, loop, host, hostStats(host)) : new Http1Pool(this, loop, host, hostStats(host));
      state.pools.put(key, pool);
    }
    pool.acquire(promise);
    return promise;
  }

  @Override
  public void close() {
    closed = true;
    if (dns != null) {
      try {
        dns.loop().execute(() -> {
          if (refreshTimer != null) {
            refreshTimer.cancel(false);
          }
          dns.close();
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // the loop is already shutting down, which closes the resolver's socket
      }
    }
    channels.close();
  }

  /** Marks closes our side asked for, so destroys count as local or remote. */
  @ChannelHandler.Sharable
  static final class CloseTracker extends ChannelOutboundHandlerAdapter {
    static final CloseTracker INSTANCE = new CloseTracker();

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
      ctx.channel().attr(LOCAL_CLOSE).set(Boolean.TRUE);
      super.close(ctx, promise);
    }
  }
}
