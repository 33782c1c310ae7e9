package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DnsResolutionConfig;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * STRICT_DNS and LOGICAL_DNS against an in-process DNS server on a port-0 UDP socket, named through the cluster's own
 * {@code dns_resolution_config.resolvers} (what Envoy offers to point a cluster at a given DNS server), and
 * {@code localhost} through the system resolver path (/etc/hosts, then the JDK fallback).
 */
class DnsClusterTest {
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = Transport.newGroup(1, "dns-test");
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static Cluster.Builder dnsCluster(String name, Cluster.DiscoveryType type, TestDnsServer dns, String host,
      int port) {
    return Clusters.cluster(name, type, Clusters.endpoint(host, port, 0))
        .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY)
        .setDnsRefreshRate(Duration.newBuilder().setNanos(100_000_000))
        .setDnsResolutionConfig(DnsResolutionConfig.newBuilder().addResolvers(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(dns.port()))));
  }

  private static List<String> addresses(io.trellis.proxy.upstream.Cluster c) {
    return c.hosts().stream().map(Host::addressString).toList();
  }

  @Test
  void strictDnsMakesEveryAddressAHostAndRefreshReplacesThem() throws Exception {
    StatsStore stats = new StatsStore();
    try (var dns = new TestDnsServer(group)) {
      dns.set("backend.test", "127.0.0.1", "127.0.0.2");
      try (var cm = DefaultClusterManager.create(List.of(
          dnsCluster("strict", Cluster.DiscoveryType.STRICT_DNS, dns, "backend.test", 8080).build()),
          stats, group, Executors.newVirtualThreadPerTaskExecutor())) {
        var c = cm.get("strict");
        assertThat(c.type()).isEqualTo("STRICT_DNS");
        // create() waited for the first resolution
        assertThat(addresses(c)).containsExactly("127.0.0.1:8080", "127.0.0.2:8080");
        assertThat(c.hosts()).allSatisfy(h -> assertThat(h.hostname()).isEqualTo("backend.test"));
        List<Host> before = c.hosts();
        dns.set("backend.test", "127.0.0.3");
        await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(addresses(c)).containsExactly("127.0.0.3:8080"));
        assertThat(before).hasSize(2); // the old host set is an immutable snapshot
        assertThat(stats.gauge("cluster.strict.membership_total").value()).isEqualTo(1);
        assertThat(stats.counter("cluster.strict.update_success").value()).isGreaterThanOrEqualTo(2);
        System.out.println("STRICT_DNS: " + before.size() + " hosts, then " + addresses(c) + " after "
            + dns.queries.get() + " queries");
      }
    }
  }

  @Test
  void failedRefreshKeepsTheLastGoodHosts() throws Exception {
    StatsStore stats = new StatsStore();
    try (var dns = new TestDnsServer(group)) {
      dns.set("keep.test", "127.0.0.5");
      try (var cm = DefaultClusterManager.create(List.of(
          dnsCluster("keep", Cluster.DiscoveryType.STRICT_DNS, dns, "keep.test", 80).build()),
          stats, group, Executors.newVirtualThreadPerTaskExecutor())) {
        dns.set("other.test", "127.0.0.9");
        // NXDOMAIN now (the JDK fallback cannot answer keep.test either)
        dns.close();
        await().atMost(java.time.Duration.ofSeconds(15)).until(() ->
            stats.counter("cluster.keep.update_failure").value() >= 1);
        assertThat(addresses(cm.get("keep"))).containsExactly("127.0.0.5:80");
      }
    }
  }

  @Test
  void logicalDnsUsesTheFirstAddressOfTheLatestAnswer() throws Exception {
    try (var dns = new TestDnsServer(group)) {
      dns.set("logical.test", "127.0.0.7", "127.0.0.8");
      try (var cm = DefaultClusterManager.create(List.of(
          dnsCluster("logical", Cluster.DiscoveryType.LOGICAL_DNS, dns, "logical.test", 9000).build()),
          new StatsStore(), group, Executors.newVirtualThreadPerTaskExecutor())) {
        var c = cm.get("logical");
        assertThat(addresses(c)).containsExactly("127.0.0.7:9000");
        dns.set("logical.test", "127.0.0.8");
        await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(addresses(c)).containsExactly("127.0.0.8:9000"));
      }
    }
  }

  @Test
  void respectDnsTtlUsesTheAnswersTtl() throws Exception {
    StatsStore stats = new StatsStore();
    try (var dns = new TestDnsServer(group)) {
      dns.ttlSeconds = 3600;
      dns.set("ttl.test", "127.0.0.4");
      try (var cm = DefaultClusterManager.create(List.of(
          dnsCluster("ttl", Cluster.DiscoveryType.STRICT_DNS, dns, "ttl.test", 80).setRespectDnsTtl(true).build()),
          stats, group, Executors.newVirtualThreadPerTaskExecutor())) {
        assertThat(addresses(cm.get("ttl"))).containsExactly("127.0.0.4:80");
        int after = dns.queries.get();
        // with dns_refresh_rate 100ms but a TTL of an hour, no new query within a second
        await().during(java.time.Duration.ofSeconds(1)).atMost(java.time.Duration.ofSeconds(3))
            .until(() -> dns.queries.get() == after);
      }
    }
  }

  @Test
  void localhostResolvesThroughTheSystemResolver() throws Exception {
    try (var s = TestServers.http1(group, "local", null);
        var cm = DefaultClusterManager.create(List.of(Clusters.cluster("lh", Cluster.DiscoveryType.STRICT_DNS,
            Clusters.endpoint("localhost", s.port(), 0)).setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY).build()),
            new StatsStore(), group, Executors.newVirtualThreadPerTaskExecutor())) {
      var c = cm.get("lh");
      assertThat(addresses(c)).containsExactly("127.0.0.1:" + s.port());
      assertThat(TestClient.get(c, group.next(), false).get(5, TimeUnit.SECONDS).body()).isEqualTo("local");
    }
  }

  @Test
  void hostsThatLeaveTheSetHaveTheirIdleConnectionsClosed() throws Exception {
    try (var dns = new TestDnsServer(group); var a = TestServers.http1(group, "a", null)) {
      // a second server on another loopback address, same port, so one DNS name can move between them
      var b = TestServers.http1(group, "b", null, "127.0.0.2", a.port());
      try (b) {
        dns.set("move.test", "127.0.0.1");
        try (var cm = DefaultClusterManager.create(List.of(
            dnsCluster("move", Cluster.DiscoveryType.STRICT_DNS, dns, "move.test", a.port()).build()),
            new StatsStore(), group, Executors.newVirtualThreadPerTaskExecutor())) {
          var c = cm.get("move");
          var loop = group.next();
          assertThat(TestClient.get(c, loop, false).get(5, TimeUnit.SECONDS).body()).isEqualTo("a");
          var idleToA = a.connections.get(0);
          dns.set("move.test", "127.0.0.2");
          await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
              assertThat(addresses(c)).containsExactly("127.0.0.2:" + a.port()));
          assertThat(TestClient.get(c, loop, false).get(5, TimeUnit.SECONDS).body()).isEqualTo("b");
          // the pick on the new host set drained the pool of the host that left
          await().atMost(java.time.Duration.ofSeconds(5)).until(() -> !idleToA.isActive());
        }
      }
    }
  }

  @Test
  void lookupFamilyFiltersAddresses() throws Exception {
    var v4 = java.net.InetAddress.ofLiteral("127.0.0.1");
    var v6 = java.net.InetAddress.ofLiteral("::1");
    var loop = group.next();
    java.util.function.Function<Cluster.DnsLookupFamily, List<java.net.InetAddress>> f = fam -> {
      DnsHostResolver r = new DnsHostResolver(loop, List.of(new java.net.InetSocketAddress("127.0.0.1", 53)), false,
          fam, false, 1000, Runnable::run);
      try {
        return r.filter(List.of(v4, v6));
      } finally {
        r.close();
      }
    };
    assertThat(f.apply(Cluster.DnsLookupFamily.V4_ONLY)).containsExactly(v4);
    assertThat(f.apply(Cluster.DnsLookupFamily.V6_ONLY)).containsExactly(v6);
    assertThat(f.apply(Cluster.DnsLookupFamily.V4_PREFERRED)).containsExactly(v4);
    assertThat(f.apply(Cluster.DnsLookupFamily.AUTO)).containsExactly(v6);
    assertThat(f.apply(Cluster.DnsLookupFamily.ALL)).containsExactly(v4, v6);
  }

  @Test
  void logicalDnsKeepsExistingConnectionsWhenTheAddressChanges() throws Exception {
    try (var dns = new TestDnsServer(group); var a = TestServers.http1(group, "a", null);
        var b = TestServers.http1(group, "b", null, "127.0.0.2", a.port())) {
      dns.set("logical2.test", "127.0.0.1");
      try (var cm = DefaultClusterManager.create(List.of(
          dnsCluster("logical2", Cluster.DiscoveryType.LOGICAL_DNS, dns, "logical2.test", a.port()).build()),
          new StatsStore(), group, Executors.newVirtualThreadPerTaskExecutor())) {
        var c = cm.get("logical2");
        var loop = group.next();
        assertThat(TestClient.get(c, loop, false).get(5, TimeUnit.SECONDS).body()).isEqualTo("a");
        dns.set("logical2.test", "127.0.0.2");
        await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(addresses(c)).containsExactly("127.0.0.2:" + a.port()));
        // the idle keep-alive connection to the old address is still used (Envoy does not drain it)
        TestClient.Response r = TestClient.get(c, loop, false).get(5, TimeUnit.SECONDS);
        assertThat(r.body()).isEqualTo("a");
        assertThat(a.connections.get(0).isActive()).isTrue();
        // a second, concurrent request needs a new connection: it goes to the new address
        List<TestServers.Held> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        a.hold = held::add;
        var first = TestClient.get(c, loop, false);
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> held.size() == 1);
        assertThat(TestClient.get(c, loop, false).get(5, TimeUnit.SECONDS).body()).isEqualTo("b");
        a.hold = null;
        held.get(0).respond();
        assertThat(first.get(5, TimeUnit.SECONDS).body()).isEqualTo("a");
        assertThat(b.accepted.get()).isEqualTo(1);
      }
    }
  }
}
