package io.trellis.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.common.ConfigException;
import io.trellis.proxy.listener.ProxyFixture;
import io.trellis.testkit.tcp.EchoServer;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** tcp_proxy failure modes and options: idle timeout, connect failure, no host, weighted clusters, config errors. */
class TcpProxyBehaviourTest {

  static String listener(String name, String tcpProxyBody) {
    return """
          - name: %s
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
        %s
        """.formatted(name, tcpProxyBody.indent(10).stripTrailing());
  }

  /** Reads until EOF; returns -2 when the connection was reset instead. */
  static int readToEnd(Socket s) throws Exception {
    InputStream in = s.getInputStream();
    int total = 0;
    try {
      byte[] b = new byte[8192];
      int n;
      while ((n = in.read(b)) >= 0) {
        total += n;
      }
      return total;
    } catch (SocketException e) {
      return -2;
    }
  }

  @Test
  void idleTimeoutClosesBothSidesAndCounts() throws Exception {
    try (EchoServer echo = new EchoServer();
        ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
            + listener("idle", "stat_prefix: idle\ncluster: echo\nidle_timeout: 0.3s")
            + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port()));
        Socket s = new Socket("127.0.0.1", proxy.port("idle"))) {
      s.setSoTimeout(10_000);
      long t0 = System.nanoTime();
      s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      byte[] four = s.getInputStream().readNBytes(4);
      assertThat(new String(four, StandardCharsets.US_ASCII)).isEqualTo("ping");
      assertThat(readToEnd(s)).isIn(0, -2);
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(waitedMs).isBetween(290L, 5_000L);
      assertThat(proxy.counter("tcp.idle.idle_timeout")).isEqualTo(1);
      Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> echo.openConnections() == 0);
    }
  }

  @Test
  void connectFailureClosesDownstream() throws Exception {
    int deadPort;
    try (ServerSocket ss = new ServerSocket(0)) {
      deadPort = ss.getLocalPort();
    }
    try (ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
            + listener("dead", "stat_prefix: dead\ncluster: dead\nmax_connect_attempts: 3")
            + "  clusters:\n" + ProxyFixture.cluster("dead", deadPort));
        Socket s = new Socket("127.0.0.1", proxy.port("dead"))) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
      assertThat(readToEnd(s)).isIn(0, -2);
      assertThat(proxy.counter("tcp.dead.downstream_cx_total")).isEqualTo(1);
      assertThat(proxy.counter("cluster.dead.upstream_cx_connect_attempts_exceeded")).isEqualTo(1);
    }
  }

  @Test
  void accessLogRecordsBytesHostAndFlags(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    int deadPort;
    try (ServerSocket ss = new ServerSocket(0)) {
      deadPort = ss.getLocalPort();
    }
    java.nio.file.Path log = dir.resolve("tcp.log");
    String accessLog = """
        access_log:
        - name: envoy.access_loggers.file
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
            path: %s
            log_format:
              text_format_source:
                inline_string: "%%UPSTREAM_CLUSTER%% %%UPSTREAM_HOST%% %%BYTES_RECEIVED%% %%BYTES_SENT%% %%RESPONSE_FLAGS%%\\n"
        """.formatted(log);
    try (EchoServer echo = new EchoServer();
        ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
            + listener("ok", "stat_prefix: ok\ncluster: echo\n" + accessLog)
            + listener("dead", "stat_prefix: dead\ncluster: dead\n" + accessLog)
            + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port()) + ProxyFixture.cluster("dead", deadPort))) {
      try (Socket s = new Socket("127.0.0.1", proxy.port("ok"))) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write("12345".getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        assertThat(readToEnd(s)).isEqualTo(5);
      }
      try (Socket s = new Socket("127.0.0.1", proxy.port("dead"))) {
        s.setSoTimeout(10_000);
        assertThat(readToEnd(s)).isIn(0, -2);
      }
      Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> java.nio.file.Files.exists(log)
          && java.nio.file.Files.readAllLines(log).size() >= 2);
      java.util.List<String> lines = java.nio.file.Files.readAllLines(log);
      System.out.println("tcp: access log " + lines);
      assertThat(lines).contains("echo 127.0.0.1:" + echo.port() + " 5 5 -");
      assertThat(lines).anyMatch(l -> l.startsWith("dead 127.0.0.1:" + deadPort + " 0 0 UF"));
    }
  }

  @Test
  void clusterWithoutHostsAndUnknownClusterClose() throws Exception {
    String empty = """
          - name: empty
            connect_timeout: 1s
            type: STATIC
            load_assignment: {cluster_name: empty}
        """;
    try (ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
        + listener("nohost", "stat_prefix: nohost\ncluster: empty")
        + listener("noroute", "stat_prefix: noroute\ncluster: missing")
        + "  clusters:\n" + empty)) {
      for (String l : new String[] {"nohost", "noroute"}) {
        try (Socket s = new Socket("127.0.0.1", proxy.port(l))) {
          s.setSoTimeout(10_000);
          assertThat(readToEnd(s)).isIn(0, -2);
        }
      }
      assertThat(proxy.counter("cluster.empty.upstream_cx_none_healthy")).isEqualTo(1);
      assertThat(proxy.counter("tcp.noroute.downstream_cx_no_route")).isEqualTo(1);
    }
  }

  @Test
  void weightedClustersSplitConnections() throws Exception {
    try (EchoServer a = new EchoServer(); EchoServer b = new EchoServer();
        ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
            + listener("split", """
                stat_prefix: split
                weighted_clusters:
                  clusters:
                  - {name: a, weight: 1}
                  - {name: b, weight: 3}""")
            + "  clusters:\n" + ProxyFixture.cluster("a", a.port()) + ProxyFixture.cluster("b", b.port()))) {
      int conns = 200;
      for (int i = 0; i < conns; i++) {
        try (Socket s = new Socket("127.0.0.1", proxy.port("split"))) {
          s.setSoTimeout(10_000);
          s.getOutputStream().write('x');
          assertThat(s.getInputStream().read()).isEqualTo('x');
        }
      }
      Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> a.accepted() + b.accepted() == conns);
      System.out.printf("tcp: weighted 1:3 over %d conns -> a=%d b=%d%n", conns, a.accepted(), b.accepted());
      // Binomial(200, 0.25): mean 50, sd ~6.1; 25..80 is beyond 4 sd either way.
      assertThat(a.accepted()).isBetween(25, 80);
    }
  }

  @Test
  void rejectsUnsupportedFieldsWithTheirPath() {
    assertThatThrownBy(() -> ProxyFixture.start("static_resources:\n  listeners:\n"
        + listener("bad", "stat_prefix: bad\ncluster: x\nhash_policy: [{source_ip: {}}]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("static_resources.listeners[0].filter_chains[0].filters[0].typed_config.hash_policy")
        .hasMessageContaining("not supported");
    assertThatThrownBy(() -> ProxyFixture.start("static_resources:\n  listeners:\n"
        + listener("bad", "cluster: x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("stat_prefix");
  }
}
