package io.trellis.proxy.http;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.server.ServerState;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.upstream.DefaultClusterManager;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The connection manager of listener 0 / filter chain 0 of a bootstrap, served on 127.0.0.1:0 by a plain
 * ServerBootstrap (standing in for the listener manager) with the real cluster manager behind it.
 */
final class TestProxy implements AutoCloseable {
  final StatsStore stats = new StatsStore();
  final ServerState state = new ServerState();
  private final EventLoopGroup workers = Transport.newGroup(1, "test-worker");
  private final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
  private final DefaultClusterManager clusters;
  private final Channel server;
  final FactoryContext context;

  private TestProxy(Bootstrap bootstrap) throws Exception {
    clusters = DefaultClusterManager.create(bootstrap.getStaticResources().getClustersList(), stats, workers,
        blocking);
    context = new FactoryContext(stats, clusters, workers, state, blocking, bootstrap.getNode());
    HttpConnectionManager hcm = bootstrap.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0)
        .getTypedConfig().unpack(HttpConnectionManager.class);
    NetworkFilterFactory factory = HttpConnectionManagerFactory.create(hcm,
        "static_resources.listeners[0].filter_chains[0].filters[0].typed_config", context);
    server = new ServerBootstrap().group(workers).channel(Transport.serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            factory.install(ch, new DownstreamConnection("ingress", ch.localAddress(), ch.remoteAddress(), "", "",
                false));
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
  }

  static TestProxy start(String yaml) throws Exception {
    return new TestProxy(BootstrapLoader.parse(yaml, "test.yaml"));
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  long counter(String name) {
    return stats.counter(name).value();
  }

  long gauge(String name) {
    return stats.gauge(name).value();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    clusters.close();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    blocking.shutdownNow();
  }
}
