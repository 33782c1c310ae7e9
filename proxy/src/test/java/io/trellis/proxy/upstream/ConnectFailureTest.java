package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Connection failures: refused, and a connect that never completes (connect_timeout). */
class ConnectFailureTest {
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = Transport.newGroup(1, "cf-test");
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void refusedConnectFailsTheAcquireAndCounts() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed right away: nothing listens there any more
    }
    StatsStore stats = new StatsStore();
    try (var cm = DefaultClusterManager.create(List.of(Clusters.staticCluster("refused", port).build()), stats, group,
        Executors.newVirtualThreadPerTaskExecutor())) {
      Throwable t = catchThrowable(() -> TestClient.get(cm.get("refused"), group.next(), false)
          .get(5, TimeUnit.SECONDS));
      assertThat(t).isInstanceOf(ExecutionException.class);
      System.out.println("refused: " + t.getCause());
      assertThat(t.getCause()).hasMessageContaining("refused");
      assertThat(stats.counter("cluster.refused.upstream_cx_connect_fail").value()).isEqualTo(1);
      assertThat(stats.counter("cluster.refused.upstream_cx_connect_timeout").value()).isZero();
      assertThat(stats.gauge("cluster.refused.upstream_cx_active").value()).isZero();
      Cluster c = cm.get("refused");
      assertThat(c.hostStats(c.hosts().get(0)).cxConnectFail()).isEqualTo(1);
    }
  }

  /**
   * A listening socket that never accepts, with its accept queue filled: Linux then drops further SYNs, so a connect
   * neither succeeds nor is refused, without root or a black-hole route. The queue is filled with plain sockets until
   * one of them times out itself, which proves the next connect will hang (bounded to 64 attempts).
   */
  @Test
  void connectThatNeverCompletesTimesOut() throws Exception {
    List<Socket> fillers = new ArrayList<>();
    try (ServerSocket backlogged = new ServerSocket()) {
      backlogged.bind(new InetSocketAddress("127.0.0.1", 0), 1);
      boolean full = false;
      for (int i = 0; i < 64 && !full; i++) {
        Socket s = new Socket();
        try {
          s.connect(backlogged.getLocalSocketAddress(), 200);
          fillers.add(s);
        } catch (SocketTimeoutException e) {
          s.close();
          full = true;
        }
      }
      assertThat(full).as("accept queue filled").isTrue();
      StatsStore stats = new StatsStore();
      var proto = Clusters.staticCluster("blackhole", backlogged.getLocalPort())
          .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000)).build();
      try (var cm = DefaultClusterManager.create(List.of(proto), stats, group,
          Executors.newVirtualThreadPerTaskExecutor())) {
        long start = System.nanoTime();
        Throwable t = catchThrowable(() -> TestClient.get(cm.get("blackhole"), group.next(), false)
            .get(5, TimeUnit.SECONDS));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("connect_timeout 300ms fired after " + ms + " ms: " + t.getCause());
        assertThat(t.getCause()).isInstanceOf(ConnectTimeoutException.class);
        assertThat(ms).isBetween(250L, 3000L);
        assertThat(stats.counter("cluster.blackhole.upstream_cx_connect_timeout").value()).isEqualTo(1);
        assertThat(stats.counter("cluster.blackhole.upstream_cx_connect_fail").value()).isEqualTo(1);
      }
    } finally {
      for (Socket s : fillers) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing test sockets
        }
      }
    }
  }
}
