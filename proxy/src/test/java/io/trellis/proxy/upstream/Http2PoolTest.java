package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP/2 pool over real h2c connections; connections and streams are counted on the server side. */
class Http2PoolTest {
  static EventLoopGroup clientGroup;
  static EventLoopGroup serverGroup;

  @BeforeAll
  static void start() {
    clientGroup = Transport.newGroup(1, "h2-client");
    serverGroup = Transport.newGroup(1, "h2-server");
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

  /** Sends {@code n} requests at once, waits until the server holds all of them, then answers. */
  private static List<TestClient.Response> concurrently(Cluster c, TestServers.Server s, int n, int expectHeld)
      throws Exception {
    List<TestServers.Held> held = new CopyOnWriteArrayList<>();
    s.hold = held::add;
    EventLoop loop = clientGroup.next();
    List<CompletableFuture<TestClient.Response>> rs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rs.add(TestClient.get(c, loop, false));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> held.size() == expectHeld);
    s.hold = null;
    held.forEach(TestServers.Held::respond);
    List<TestClient.Response> out = new ArrayList<>();
    for (var r : rs) {
      out.add(r.get(10, TimeUnit.SECONDS));
    }
    return out;
  }

  @Test
  void manyConcurrentStreamsShareOneConnection() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http2(serverGroup, "h2", 0, null);
        var cm = manager(stats, Clusters.http2(Clusters.staticCluster("mux", s.port()), 0).build())) {
      List<TestClient.Response> rs = concurrently(cm.get("mux"), s, 50, 50);
      System.out.println("50 concurrent HTTP/2 streams -> server accepted " + s.accepted.get() + " connection(s)");
      assertThat(rs).allSatisfy(r -> {
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.protocol()).isEqualTo("HTTP/2");
      });
      assertThat(s.accepted.get()).isEqualTo(1);
      assertThat(stats.counter("cluster.mux.upstream_cx_http2_total").value()).isEqualTo(1);
      HostStats hs = cm.get("mux").hostStats(cm.get("mux").hosts().get(0));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(hs.rqSuccess()).isEqualTo(50);
        assertThat(hs.rqActive()).isZero();
      });
      assertThat(hs.rqError()).isZero();
      // and the connection stays for the next requests
      TestClient.get(cm.get("mux"), clientGroup.next(), false).get(5, TimeUnit.SECONDS);
      assertThat(s.accepted.get()).isEqualTo(1);
    }
  }

  @Test
  void newConnectionWhenThePeersStreamLimitIsReached() throws Exception {
    try (var s = TestServers.http2(serverGroup, "h2", 5, null);
        var cm = manager(new StatsStore(), Clusters.http2(Clusters.staticCluster("limit", s.port()), 0).build())) {
      // prime: the first connection learns the peer's limit of 5 from its SETTINGS
      TestClient.get(cm.get("limit"), clientGroup.next(), false).get(5, TimeUnit.SECONDS);
      List<TestClient.Response> rs = concurrently(cm.get("limit"), s, 12, 12);
      System.out.println("12 concurrent streams, peer max_concurrent_streams=5 -> " + s.accepted.get()
          + " connections");
      assertThat(rs).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
      assertThat(s.accepted.get()).isEqualTo(3);
    }
  }

  @Test
  void streamsWaitingForAFirstConnectionMoveOnWhenItsLimitArrives() throws Exception {
    try (var s = TestServers.http2(serverGroup, "h2", 5, null);
        var cm = manager(new StatsStore(), Clusters.http2(Clusters.staticCluster("cold", s.port()), 0).build())) {
      // no priming: all 12 wait on the first connection until its SETTINGS say 5; 7 then go elsewhere
      List<TestClient.Response> rs = concurrently(cm.get("cold"), s, 12, 12);
      assertThat(rs).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
      assertThat(s.accepted.get()).isEqualTo(3);
    }
  }

  @Test
  void clusterMaxConcurrentStreamsAlsoCaps() throws Exception {
    try (var s = TestServers.http2(serverGroup, "h2", 0, null);
        var cm = manager(new StatsStore(), Clusters.http2(Clusters.staticCluster("own", s.port()), 4).build())) {
      List<TestClient.Response> rs = concurrently(cm.get("own"), s, 8, 8);
      assertThat(rs).hasSize(8);
      assertThat(s.accepted.get()).isEqualTo(2);
    }
  }

  @Test
  void goAwayStopsNewStreamsButInFlightOnesFinish() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http2(serverGroup, "h2", 0, null);
        var cm = manager(stats, Clusters.http2(Clusters.staticCluster("goaway", s.port()), 0).build())) {
      Cluster c = cm.get("goaway");
      EventLoop loop = clientGroup.next();
      List<TestServers.Held> held = new CopyOnWriteArrayList<>();
      s.hold = held::add;
      CompletableFuture<TestClient.Response> inFlight = TestClient.get(c, loop, false);
      await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 1);
      // graceful GOAWAY: last stream id covers the in-flight stream
      var conn = s.connections.get(0);
      conn.eventLoop().submit(() -> conn.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)
          .setExtraStreamIds(0))).get(5, TimeUnit.SECONDS);
      s.hold = null;
      // a request after GOAWAY goes to a new connection (wait until the client has seen the frame)
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        TestClient.get(c, loop, false).get(5, TimeUnit.SECONDS);
        assertThat(s.accepted.get()).isEqualTo(2);
      });
      held.get(0).respond();
      assertThat(inFlight.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
      // the old connection closes once its last stream ended
      await().atMost(Duration.ofSeconds(5)).until(() -> !conn.isActive());
    }
  }

  @Test
  void downstreamProtocolDecidesWithUseDownstreamProtocolConfig() throws Exception {
    try (var s1 = TestServers.http1(serverGroup, "h1", null); var s2 = TestServers.http2(serverGroup, "h2", 0, null)) {
      var proto = Clusters.staticCluster("ds", s1.port())
          .putTypedExtensionProtocolOptions(ClusterConfig.HTTP_OPTIONS_KEY, Any.pack(HttpProtocolOptions.newBuilder()
              .setUseDownstreamProtocolConfig(HttpProtocolOptions.UseDownstreamHttpConfig.newBuilder()
                  .setHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions.getDefaultInstance())
                  .setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance()))
              .build())).build();
      try (var cm = manager(new StatsStore(), proto)) {
        Cluster c = cm.get("ds");
        EventLoop loop = clientGroup.next();
        assertThat(TestClient.get(c, loop, false).get(5, TimeUnit.SECONDS).protocol()).isEqualTo("HTTP/1.1");
        Host h2host = Host.of(new java.net.InetSocketAddress("127.0.0.1", s2.port()));
        assertThat(TestClient.get(c, loop, h2host, true).get(5, TimeUnit.SECONDS).protocol()).isEqualTo("HTTP/2");
      }
    }
  }

  @Test
  void deprecatedClusterLevelHttp2OptionsSelectHttp2() throws Exception {
    try (var s = TestServers.http2(serverGroup, "h2", 0, null);
        var cm = manager(new StatsStore(), Clusters.staticCluster("old", s.port())
            .setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance())
            .build())) {
      assertThat(TestClient.get(cm.get("old"), clientGroup.next(), false).get(5, TimeUnit.SECONDS).protocol())
          .isEqualTo("HTTP/2");
    }
  }

  @Test
  void connectionLossFailsInFlightStreamsAndTheNextRequestReconnects() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http2(serverGroup, "h2", 0, null);
        var cm = manager(stats, Clusters.http2(Clusters.staticCluster("loss", s.port()), 0).build())) {
      Cluster c = cm.get("loss");
      EventLoop loop = clientGroup.next();
      List<TestServers.Held> held = new CopyOnWriteArrayList<>();
      s.hold = held::add;
      List<CompletableFuture<TestClient.Response>> rs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        rs.add(TestClient.get(c, loop, false));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> held.size() == 3);
      s.hold = null;
      s.connections.get(0).close().syncUninterruptibly();
      for (var r : rs) {
        assertThat(catchThrowable(() -> r.get(5, TimeUnit.SECONDS))).isNotNull();
      }
      HostStats hs = c.hostStats(c.hosts().get(0));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(hs.rqError()).isEqualTo(3));
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(stats.counter("cluster.loss.upstream_cx_destroy_remote").value()).isEqualTo(1));
      assertThat(TestClient.get(c, loop, false).get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(s.accepted.get()).isEqualTo(2);
    }
  }

  @Test
  void http2ToAnHttp1OnlyServerFailsTheAcquire() throws Exception {
    try (var s = TestServers.http1(serverGroup, "h1only", null);
        var cm = manager(new StatsStore(), Clusters.http2(Clusters.staticCluster("mismatch", s.port()), 0).build())) {
      Throwable t = catchThrowable(() -> TestClient.get(cm.get("mismatch"), clientGroup.next(), false)
          .get(10, TimeUnit.SECONDS));
      System.out.println("h2c to an HTTP/1.1 server: " + t);
      assertThat(t).isInstanceOf(java.util.concurrent.ExecutionException.class);
      assertThat(t.getCause()).hasMessageContaining("before its HTTP/2 SETTINGS");
    }
  }

  @Test
  void initialConnectionWindowSizeIsAdvertised() throws Exception {
    var h2opts = io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.newBuilder()
        .setInitialConnectionWindowSize(com.google.protobuf.UInt32Value.of(1 << 20)).build();
    try (var s = TestServers.http2(serverGroup, "h2", 0, null);
        var cm = manager(new StatsStore(), Clusters.staticCluster("win", s.port()).setHttp2ProtocolOptions(h2opts)
            .build())) {
      TestClient.get(cm.get("win"), clientGroup.next(), false).get(5, TimeUnit.SECONDS);
      var conn = s.connections.get(0);
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        int window = conn.eventLoop().submit(() -> {
          var codec = conn.pipeline().get(io.netty.handler.codec.http2.Http2FrameCodec.class);
          var c = codec.connection();
          return c.remote().flowController().windowSize(c.connectionStream());
        }).get(5, TimeUnit.SECONDS);
        // the server may send up to 1 MiB (minus what it already sent) on the connection
        assertThat(window).isGreaterThan(65_535);
      });
    }
  }

  @Test
  void maxRequestsPerConnectionRetiresHttp2Connections() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http2(serverGroup, "h2", 0, null);
        var cm = manager(stats, Clusters.http2(Clusters.staticCluster("h2max", s.port()), 0)
            .setMaxRequestsPerConnection(com.google.protobuf.UInt32Value.of(2)).build())) {
      EventLoop loop = clientGroup.next();
      for (int i = 0; i < 5; i++) {
        assertThat(TestClient.get(cm.get("h2max"), loop, false).get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
      assertThat(s.accepted.get()).isEqualTo(3);
      assertThat(stats.counter("cluster.h2max.upstream_cx_max_requests").value()).isEqualTo(2);
      // retired connections close once their streams are done; the third (one stream so far) stays
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
          assertThat(stats.gauge("cluster.h2max.upstream_cx_active").value()).isEqualTo(1));
    }
  }
}
