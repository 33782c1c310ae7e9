package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.Future;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP/1.1 keep-alive pool over real sockets; connections are counted on the server side. */
class Http1PoolTest {
  static EventLoopGroup clientGroup;
  static EventLoopGroup serverGroup;

  @BeforeAll
  static void start() {
    clientGroup = Transport.newGroup(1, "h1-client");
    serverGroup = Transport.newGroup(1, "h1-server");
  }

  @AfterAll
  static void stop() {
    clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static DefaultClusterManager manager(StatsStore stats, io.envoyproxy.envoy.config.cluster.v3.Cluster c)
      throws Exception {
    return DefaultClusterManager.create(List.of(c), stats, clientGroup, Executors.newVirtualThreadPerTaskExecutor());
  }

  @Test
  void sequentialRequestsReuseOneConnection() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http1(serverGroup, "a", null);
        var cm = manager(stats, Clusters.staticCluster("ka", s.port()).build())) {
      EventLoop loop = clientGroup.next();
      for (int i = 0; i < 20; i++) {
        assertThat(TestClient.get(cm.get("ka"), loop, false).get(5, TimeUnit.SECONDS).protocol())
            .isEqualTo("HTTP/1.1");
      }
      System.out.println("20 sequential requests -> server accepted " + s.accepted.get() + " connection(s)");
      assertThat(s.accepted.get()).isEqualTo(1);
      assertThat(s.requests.get()).isEqualTo(20);
      assertThat(stats.counter("cluster.ka.upstream_cx_total").value()).isEqualTo(1);
      assertThat(stats.counter("cluster.ka.upstream_cx_http1_total").value()).isEqualTo(1);
      assertThat(stats.gauge("cluster.ka.upstream_cx_active").value()).isEqualTo(1);
      assertThat(stats.gauge("cluster.ka.membership_total").value()).isEqualTo(1);
      HostStats hs = cm.get("ka").hostStats(cm.get("ka").hosts().get(0));
      assertThat(hs.rqTotal()).isEqualTo(20);
      assertThat(hs.rqSuccess()).isEqualTo(20);
      assertThat(hs.rqError()).isZero();
      assertThat(hs.rqActive()).isZero();
      assertThat(hs.cxActive()).isEqualTo(1);
    }
  }

  @Test
  void concurrentRequestsOpenNewConnectionsInsteadOfQueueing() throws Exception {
    try (var s = TestServers.http1(serverGroup, "a", null);
        var cm = manager(new StatsStore(), Clusters.staticCluster("conc", s.port()).build())) {
      List<TestServers.Held> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      s.hold = held::add;
      EventLoop loop = clientGroup.next();
      List<CompletableFuture<TestClient.Response>> rs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        rs.add(TestClient.get(cm.get("conc"), loop, false));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 3);
      s.hold = null;
      held.forEach(TestServers.Held::respond);
      for (var r : rs) {
        assertThat(r.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
      assertThat(s.accepted.get()).isEqualTo(3);
      // the three are now idle and reused (LIFO): three more sequential requests open nothing new
      for (int i = 0; i < 3; i++) {
        TestClient.get(cm.get("conc"), loop, false).get(5, TimeUnit.SECONDS);
      }
      assertThat(s.accepted.get()).isEqualTo(3);
    }
  }

  @Test
  void maxRequestsPerConnectionClosesAfterN() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http1(serverGroup, "a", null);
        var cm = manager(stats, Clusters.staticCluster("maxrq", s.port())
            .setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder().setMaxRequestsPerConnection(UInt32Value.of(3)))
            .build())) {
      EventLoop loop = clientGroup.next();
      for (int i = 0; i < 9; i++) {
        TestClient.get(cm.get("maxrq"), loop, false).get(5, TimeUnit.SECONDS);
      }
      System.out.println("9 requests with max_requests_per_connection=3 -> " + s.accepted.get() + " connections");
      assertThat(s.accepted.get()).isEqualTo(3);
      assertThat(stats.counter("cluster.maxrq.upstream_cx_max_requests").value()).isEqualTo(3);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(stats.counter("cluster.maxrq.upstream_cx_destroy_local").value()).isEqualTo(3));
    }
  }

  @Test
  void connectionClosedByPeerWhileIdleIsDiscarded() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http1(serverGroup, "a", null);
        var cm = manager(stats, Clusters.staticCluster("peer", s.port()).build())) {
      EventLoop loop = clientGroup.next();
      TestClient.get(cm.get("peer"), loop, false).get(5, TimeUnit.SECONDS);
      s.connections.get(0).close().syncUninterruptibly();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(stats.counter("cluster.peer.upstream_cx_destroy_remote").value()).isEqualTo(1));
      assertThat(TestClient.get(cm.get("peer"), loop, false).get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(s.accepted.get()).isEqualTo(2);
    }
  }

  @Test
  void idleTimeoutClosesUnusedConnections() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http1(serverGroup, "a", null);
        var cm = manager(stats, Clusters.staticCluster("idle", s.port())
            .setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder()
                .setIdleTimeout(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000)))
            .build())) {
      TestClient.get(cm.get("idle"), clientGroup.next(), false).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(stats.counter("cluster.idle.upstream_cx_idle_timeout").value()).isEqualTo(1);
        assertThat(stats.gauge("cluster.idle.upstream_cx_active").value()).isZero();
      });
    }
  }

  @Test
  void releasedChannelIsCleanForTheNextUser() throws Exception {
    try (var s = TestServers.http1(serverGroup, "a", null);
        var cm = manager(new StatsStore(), Clusters.staticCluster("clean", s.port()).build())) {
      EventLoop loop = clientGroup.next();
      Cluster c = cm.get("clean");
      Host host = c.hosts().get(0);
      UpstreamHttpStream first = acquire(c, loop, host);
      // a user that leaves its handler behind and returns the connection as reusable
      loop.submit(() -> {
        first.channel().pipeline().addLast("left-behind", new io.netty.channel.ChannelInboundHandlerAdapter());
        first.release(true);
      }).get(5, TimeUnit.SECONDS);
      UpstreamHttpStream second = acquire(c, loop, host);
      assertThat(second.channel()).isSameAs(first.channel());
      assertThat(second.channel().pipeline().get("left-behind")).isNull();
      assertThat(second.channel().pipeline().get(HttpClientCodec.class)).isNotNull();
      loop.submit(() -> second.release(false)).get(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> !second.channel().isOpen());
    }
  }

  static UpstreamHttpStream acquire(Cluster c, EventLoop loop, Host host) throws Exception {
    Future<UpstreamHttpStream> f = CompletableFuture.supplyAsync(() -> c.acquireHttpStream(loop, host, false), loop)
        .get(5, TimeUnit.SECONDS);
    return f.get(5, TimeUnit.SECONDS);
  }
}
