package io.trellis.proxy.upstream;

import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.trellis.common.ConfigException;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** A STATIC cluster with round robin; the first upstream implementation (TODO(upstream): replace). */
final class StaticCluster implements Cluster {
  private final String name;
  private final StatsStore.Scope stats;
  private final List<Host> hosts;
  private final int connectTimeoutMillis;
  private final FastThreadLocal<int[]> cursor = new FastThreadLocal<>() {
    @Override
    protected int[] initialValue() {
      return new int[1];
    }
  };

  private StaticCluster(String name, StatsStore.Scope stats, List<Host> hosts, int connectTimeoutMillis) {
    this.name = name;
    this.stats = stats;
    this.hosts = hosts;
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  static StaticCluster create(io.envoyproxy.envoy.config.cluster.v3.Cluster c, String path, StatsStore store)
      throws ConfigException {
    List<Host> hosts = new ArrayList<>();
    for (LocalityLbEndpoints group : c.getLoadAssignment().getEndpointsList()) {
      for (LbEndpoint e : group.getLbEndpointsList()) {
        SocketAddress sa = e.getEndpoint().getAddress().getSocketAddress();
        hosts.add(new Host(new InetSocketAddress(sa.getAddress(), sa.getPortValue()), sa.getAddress(),
            e.hasLoadBalancingWeight() ? e.getLoadBalancingWeight().getValue() : 1,
            group.getLocality().getRegion(), group.getLocality().getZone(), group.getLocality().getSubZone(),
            group.getPriority(), group.getLoadBalancingWeight().getValue()));
      }
    }
    int timeout = c.hasConnectTimeout()
        ? (int) (c.getConnectTimeout().getSeconds() * 1000 + c.getConnectTimeout().getNanos() / 1_000_000) : 5000;
    return new StaticCluster(c.getName(), store.scope("cluster." + c.getName() + "."), List.copyOf(hosts), timeout);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public StatsStore.Scope stats() {
    return stats;
  }

  @Override
  public List<Host> hosts() {
    return hosts;
  }

  @Override
  public Host chooseHost(EventLoop loop, LoadBalancerContext context) {
    if (hosts.isEmpty()) {
      return null;
    }
    int[] c = cursor.get();
    return hosts.get(Math.floorMod(c[0]++, hosts.size()));
  }

  @Override
  public ChannelFuture connect(EventLoop loop, Host host, ChannelHandler handler) {
    return new Bootstrap().group(loop).channel(Transport.socketChannel())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(handler)
        .connect(host.address());
  }

  /** No pooling yet: a new HTTP/1.1 connection per stream, closed on release. */
  @Override
  public Future<UpstreamHttpStream> acquireHttpStream(EventLoop loop, Host host, boolean downstreamHttp2) {
    Promise<UpstreamHttpStream> promise = loop.newPromise();
    connect(loop, host, new HttpClientCodec()).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        promise.tryFailure(f.cause());
        return;
      }
      Channel ch = f.channel();
      promise.trySuccess(new UpstreamHttpStream() {
        @Override
        public Channel channel() {
          return ch;
        }

        @Override
        public String protocol() {
          return "HTTP/1.1";
        }

        @Override
        public Host host() {
          return host;
        }

        @Override
        public void release(boolean reusable) {
          ch.close();
        }
      });
    });
    return promise;
  }
}
