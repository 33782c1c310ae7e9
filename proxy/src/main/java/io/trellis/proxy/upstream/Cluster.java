package io.trellis.proxy.upstream;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.trellis.proxy.stats.StatsStore;
import java.util.List;

/**
 * A named group of upstream hosts with its load balancing, connection settings and stats
 * ({@code static_resources.clusters[]}). Implementations are immutable once built, except for the host set, which is
 * replaced atomically (DNS refresh, later EDS and health checks).
 */
public interface Cluster {
  String name();

  /** Stats under {@code cluster.<name>.}. */
  StatsStore.Scope stats();

  /** The current hosts, all priorities. */
  List<Host> hosts();

  /**
   * Picks a host for a new request or connection, using the load balancer instance that belongs to {@code loop}.
   * Must be called on {@code loop}. Returns null when the cluster has no usable host.
   */
  Host chooseHost(EventLoop loop, LoadBalancerContext context);

  /**
   * Opens a new connection to {@code host} on {@code loop}, honouring connect_timeout and the cluster's transport
   * socket (upstream TLS with SNI and verification). {@code handler} is added after TLS, once connected. The returned
   * future completes when the connection is usable: after the TLS handshake for a TLS cluster; it fails with the
   * connect or handshake error ({@code UpstreamTls.failureReason} gives the transport failure reason).
   */
  ChannelFuture connect(EventLoop loop, Host host, ChannelHandler handler);

  /**
   * Leases an HTTP stream to {@code host} from the pool that belongs to {@code loop} (must be called on {@code loop}).
   * {@code downstreamHttp2} tells the pool the downstream protocol, for clusters that use the downstream protocol.
   * The future fails with the connect error (timeout, refused, TLS) when no stream could be had.
   */
  Future<UpstreamHttpStream> acquireHttpStream(EventLoop loop, Host host, boolean downstreamHttp2);

  /** Envoy's cluster type name ("STATIC", "STRICT_DNS", "LOGICAL_DNS"), for /clusters and config dumps. */
  default String type() {
    return "STATIC";
  }

  /**
   * Per-host counters of {@code host} for the admin {@code /clusters} output (cx_active, rq_total, rq_success,
   * rq_error...). The router records response outcomes on it. The default returns a detached, zeroed record.
   */
  default HostStats hostStats(Host host) {
    return new HostStats();
  }

  /**
   * False when the host is excluded from load balancing (its EDS/config health_status is UNHEALTHY, DRAINING or
   * TIMEOUT); /clusters prints it as {@code health_flags::/failed_eds_health}.
   */
  default boolean healthy(Host host) {
    return true;
  }
}
