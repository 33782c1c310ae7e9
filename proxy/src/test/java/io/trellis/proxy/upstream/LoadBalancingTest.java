package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Round robin and weighted round robin, over real connections to three upstreams. */
class LoadBalancingTest {
  static EventLoopGroup clientGroup;
  static EventLoopGroup serverGroup;

  @BeforeAll
  static void start() {
    clientGroup = Transport.newGroup(2, "lb-client");
    serverGroup = Transport.newGroup(1, "lb-server");
  }

  @AfterAll
  static void stop() {
    clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static Map<String, Integer> run(Cluster cluster, EventLoop loop, int n) throws Exception {
    Map<String, Integer> counts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      TestClient.Response r = TestClient.get(cluster, loop, false).get(5, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      counts.merge(r.body(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void roundRobinSpreadsEvenlyOverRealConnections() throws Exception {
    try (var a = TestServers.http1(serverGroup, "a", null); var b = TestServers.http1(serverGroup, "b", null);
        var c = TestServers.http1(serverGroup, "c", null);
        var cm = DefaultClusterManager.create(List.of(Clusters.staticCluster("rr", a.port(), b.port(), c.port())
            .build()), new StatsStore(), clientGroup, Executors.newVirtualThreadPerTaskExecutor())) {
      Map<String, Integer> counts = run(cm.get("rr"), clientGroup.next(), 30);
      System.out.println("round robin over 30 requests: " + counts);
      assertThat(counts).containsEntry("a", 10).containsEntry("b", 10).containsEntry("c", 10);
    }
  }

  @Test
  void weightedRoundRobinFollowsWeights() throws Exception {
    try (var a = TestServers.http1(serverGroup, "a", null); var b = TestServers.http1(serverGroup, "b", null);
        var c = TestServers.http1(serverGroup, "c", null);
        var cm = DefaultClusterManager.create(List.of(Clusters.cluster("w",
            io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STATIC,
            Clusters.endpoint("127.0.0.1", a.port(), 1), Clusters.endpoint("127.0.0.1", b.port(), 2),
            Clusters.endpoint("127.0.0.1", c.port(), 3)).build()),
            new StatsStore(), clientGroup, Executors.newVirtualThreadPerTaskExecutor())) {
      Map<String, Integer> counts = run(cm.get("w"), clientGroup.next(), 60);
      System.out.println("weighted 1:2:3 over 60 requests: " + counts);
      assertThat(counts).containsEntry("a", 10).containsEntry("b", 20).containsEntry("c", 30);
      assertThat(cm.get("w").hostStats(cm.get("w").hosts().get(2)).rqTotal()).isEqualTo(30);
    }
  }

  @Test
  void edfHonoursWeightsInEveryCycle() {
    List<Host> hosts = List.of(host(1, 1), host(2, 1), host(3, 4));
    RoundRobinLoadBalancer lb = new RoundRobinLoadBalancer(hosts, 0);
    List<Integer> picks = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      picks.add(lb.choose(LoadBalancerContext.NONE).address().getPort());
    }
    System.out.println("EDF picks for weights 1,1,4: " + picks);
    // every cycle of 6 picks honours the weights exactly
    for (int w = 0; w < 12; w += 6) {
      List<Integer> cycle = picks.subList(w, w + 6);
      assertThat(cycle.stream().filter(p -> p == 3).count()).isEqualTo(4);
      assertThat(cycle).contains(1, 2);
    }
  }

  @Test
  void skipsHostsTheContextRejectsAndReturnsNullWhenEmpty() {
    List<Host> hosts = List.of(host(1, 1), host(2, 1));
    RoundRobinLoadBalancer lb = new RoundRobinLoadBalancer(hosts, 0);
    LoadBalancerContext avoid1 = new LoadBalancerContext() {
      @Override
      public boolean shouldSkip(Host h) {
        return h.address().getPort() == 1;
      }
    };
    for (int i = 0; i < 5; i++) {
      assertThat(lb.choose(avoid1).address().getPort()).isEqualTo(2);
    }
    assertThat(new RoundRobinLoadBalancer(List.of(), 0).choose(LoadBalancerContext.NONE)).isNull();
  }

  @Test
  void onlyPriorityZeroIsUsedUnlessEmpty() {
    Host p0 = new Host(new InetSocketAddress("127.0.0.1", 1), "a", 1, "", "", "", 0, 0);
    Host p1 = new Host(new InetSocketAddress("127.0.0.1", 2), "b", 1, "", "", "", 1, 0);
    assertThat(HostSet.of(List.of(p0, p1), 1).active()).containsExactly(p0);
    assertThat(HostSet.of(List.of(p1), 1).active()).containsExactly(p1);
  }

  @Test
  void eachLoopHasItsOwnBalancer() throws Exception {
    try (var cm = DefaultClusterManager.create(List.of(Clusters.staticCluster("loops", 1001, 1002).build()),
        new StatsStore(), clientGroup, Executors.newVirtualThreadPerTaskExecutor())) {
      Cluster c = cm.get("loops");
      for (var it = clientGroup.iterator(); it.hasNext(); ) {
        EventLoop loop = (EventLoop) it.next();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          ports.add(CompletableFuture.supplyAsync(() -> c.chooseHost(loop, LoadBalancerContext.NONE), loop)
              .get(5, TimeUnit.SECONDS).address().getPort());
        }
        // each loop's balancer alternates on its own, whatever the other loops picked
        for (int i = 1; i < ports.size(); i++) {
          assertThat(ports.get(i)).isNotEqualTo(ports.get(i - 1));
        }
      }
    }
  }

  private static Host host(int port, int weight) {
    return new Host(new InetSocketAddress("127.0.0.1", port), "h" + port, weight, "", "", "", 0, 0);
  }
}
