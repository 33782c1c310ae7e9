package io.trellis.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.common.ConfigException;
import io.trellis.testkit.tcp.EchoServer;
import io.trellis.testkit.tcp.FixedHttpServer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Binding, listener filters over real sockets, chain conflicts, stats and drain. */
class ListenerManagerTest {
  static final String H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

  static String tcp(String cluster) {
    return """
              filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: %s
                  cluster: %s
        """.formatted(cluster, cluster);
  }

  static String echoListener(String name, String address, int port) {
    return """
          - name: %s
            address: {socket_address: {address: "%s", port_value: %d}}
            filter_chains:
            -
        """.formatted(name, address, port) + tcp("echo");
  }

  /** Sends, half-closes, reads to EOF; "" when the proxy closed (or reset) the connection without a reply. */
  static String exchange(int port, String send) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(send.getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    } catch (java.net.SocketException e) {
      return "";
    }
  }

  @Test
  void bindConflictNamesListenerAndAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> ProxyFixture.start("static_resources:\n  listeners:\n"
          + echoListener("busy", "127.0.0.1", port) + "  clusters:\n" + ProxyFixture.cluster("echo", 1)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("static_resources.listeners[0].address")
          .hasMessageContaining("listener 'busy'")
          .hasMessageContaining("127.0.0.1:" + port)
          .hasMessageContaining("address already in use");
    }
  }

  @Test
  void portZeroIpv6AndStatsUseTheBoundAddress() throws Exception {
    try (EchoServer echo = new EchoServer();
        ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
            + echoListener("v4", "127.0.0.1", 0) + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port()))) {
      int port = proxy.port("v4");
      assertThat(port).isPositive();
      assertThat(exchange(port, "abc")).isEqualTo("abc");
      String prefix = "listener.127.0.0.1_" + port + ".";
      assertThat(proxy.counter(prefix + "downstream_cx_total")).isEqualTo(1);
      Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> proxy.gauge(prefix + "downstream_cx_active") == 0);
      assertThat(proxy.counter(prefix + "downstream_cx_destroy")).isEqualTo(1);
      assertThat(proxy.gauge("server.total_connections")).isZero();
    }
    boolean ipv6 = java.net.NetworkInterface.networkInterfaces().flatMap(java.net.NetworkInterface::inetAddresses)
        .anyMatch(a -> a instanceof java.net.Inet6Address && a.isLoopbackAddress());
    org.junit.jupiter.api.Assumptions.assumeTrue(ipv6, "no IPv6 loopback");
    try (EchoServer echo = new EchoServer();
        ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
            + echoListener("v6", "::1", 0) + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port()));
        Socket s = new Socket("::1", proxy.port("v6"))) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write('z');
      assertThat(s.getInputStream().read()).isEqualTo('z');
      assertThat(proxy.counter("listener.[__1]_" + proxy.port("v6") + ".downstream_cx_total")).isEqualTo(1);
    }
  }

  @Test
  void httpInspectorTellsHttp1FromH2c() throws Exception {
    try (EchoServer echo = new EchoServer(); FixedHttpServer h1 = new FixedHttpServer("h1-chain");
        ProxyFixture proxy = ProxyFixture.start("""
            static_resources:
              listeners:
              - name: http
                address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                listener_filters:
                - name: envoy.filters.listener.http_inspector
                  typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector}
                filter_chains:
                - filter_chain_match: {application_protocols: [h2c]}
            """ + tcp("echo") + """
                - filter_chain_match: {application_protocols: [http/1.1, http/1.0]}
            """ + tcp("h1") + """
                - filter_chain_match: {}
            """ + tcp("echo") + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port())
            + ProxyFixture.cluster("h1", h1.port()))) {
      int port = proxy.port("http");
      assertThat(exchange(port, "GET / HTTP/1.1\r\nhost: x\r\n\r\n")).endsWith("h1-chain");
      // the h2 preface goes to the echo chain and comes back byte for byte (peeked, not consumed)
      assertThat(exchange(port, H2_PREFACE + "frames")).isEqualTo(H2_PREFACE + "frames");
      // not HTTP: no application protocol, the catch-all chain
      assertThat(exchange(port, "\u0001\u0002binary")).isEqualTo("\u0001\u0002binary");
      // a request line split over several writes, then FIN right after: decided at EOF
      assertThat(exchange(port, "GE")).isEqualTo("GE");
      assertThat(proxy.counter("http_inspector.http11_found")).isEqualTo(1);
      assertThat(proxy.counter("http_inspector.http2_found")).isEqualTo(1);
      assertThat(proxy.counter("http_inspector.http_not_found")).isEqualTo(2);
    }
  }

  @Test
  void listenerFiltersTimeoutClosesOrContinues() throws Exception {
    try (EchoServer echo = new EchoServer();
        ProxyFixture proxy = ProxyFixture.start("""
            static_resources:
              listeners:
              - name: strict
                address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                listener_filters_timeout: 0.2s
                listener_filters:
                - name: envoy.filters.listener.tls_inspector
                filter_chains:
                -
            """ + tcp("echo") + """
              - name: lenient
                address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                listener_filters_timeout: 0.2s
                continue_on_listener_filters_timeout: true
                listener_filters:
                - name: envoy.filters.listener.tls_inspector
                filter_chains:
                - filter_chain_match: {transport_protocol: raw_buffer}
            """ + tcp("echo") + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port()))) {
      try (Socket s = new Socket("127.0.0.1", proxy.port("strict"))) {
        s.setSoTimeout(10_000);
        assertThat(s.getInputStream().read()).isEqualTo(-1);      // closed by the proxy, client sent nothing
      }
      assertThat(proxy.counter("listener.127.0.0.1_" + proxy.port("strict") + ".downstream_pre_cx_timeout"))
          .isEqualTo(1);
      String lenient = "listener.127.0.0.1_" + proxy.port("lenient") + ".";
      try (Socket s = new Socket("127.0.0.1", proxy.port("lenient"))) {
        s.setSoTimeout(10_000);
        Awaitility.await().atMost(5, TimeUnit.SECONDS)
            .until(() -> proxy.counter(lenient + "downstream_pre_cx_timeout") == 1);
        s.getOutputStream().write("late".getBytes(StandardCharsets.US_ASCII));
        s.shutdownOutput();
        assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("late");
      }
    }
  }

  @Test
  void destinationPortMismatchFallsToDefaultChainOrCloses() throws Exception {
    try (EchoServer echo = new EchoServer(); FixedHttpServer other = new FixedHttpServer("default-chain");
        ProxyFixture proxy = ProxyFixture.start("""
            static_resources:
              listeners:
              - name: withdefault
                address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                filter_chains:
                - filter_chain_match: {destination_port: 1}
            """ + tcp("echo") + """
                default_filter_chain:
            """ + tcp("other") + """
              - name: nodefault
                address: {socket_address: {address: 127.0.0.1, port_value: 0}}
                filter_chains:
                - filter_chain_match: {destination_port: 1}
            """ + tcp("echo") + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port())
            + ProxyFixture.cluster("other", other.port()))) {
      assertThat(exchange(proxy.port("withdefault"), "GET / HTTP/1.1\r\n\r\n")).endsWith("default-chain");
      assertThat(exchange(proxy.port("nodefault"), "dropped")).isEmpty();
      assertThat(proxy.counter("listener.127.0.0.1_" + proxy.port("nodefault") + ".no_filter_chain_match"))
          .isEqualTo(1);
    }
  }

  @Test
  void identicalMatchesAreAConfigErrorNamingBothChains() {
    assertThatThrownBy(() -> ProxyFixture.start("""
        static_resources:
          listeners:
          - name: dup
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            listener_filters: [{name: envoy.filters.listener.tls_inspector}]
            filter_chains:
            - name: first
              filter_chain_match: {server_names: [a.test, b.test]}
        """ + tcp("echo") + """
            - name: second
              filter_chain_match: {server_names: [b.test]}
        """ + tcp("echo") + "  clusters:\n" + ProxyFixture.cluster("echo", 1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("static_resources.listeners[0].filter_chains[1].filter_chain_match")
        .hasMessageContaining("'second'")
        .hasMessageContaining("'first'")
        .hasMessageContaining("b.test");
    assertThatThrownBy(() -> ProxyFixture.start("""
        static_resources:
          listeners:
          - name: nosni
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filter_chain_match: {server_names: [a.test], prefix_ranges: [{address_prefix: 10.0.0.0, prefix_len: 8}]}
        """ + tcp("echo") + "  clusters:\n" + ProxyFixture.cluster("echo", 1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("filter_chain_match.prefix_ranges");
  }

  @Test
  void drainWaitsForOpenConnectionsThenClosesTheRest() throws Exception {
    try (EchoServer echo = new EchoServer();
        ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
            + echoListener("d", "127.0.0.1", 0) + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port()))) {
      int port = proxy.port("d");
      ListenerManager lm = proxy.server().listenerManager();
      Socket a = new Socket("127.0.0.1", port);
      Socket b = new Socket("127.0.0.1", port);
      a.setSoTimeout(10_000);
      b.setSoTimeout(10_000);
      for (Socket s : new Socket[] {a, b}) {
        s.getOutputStream().write('1');
        assertThat(s.getInputStream().read()).isEqualTo('1');
      }
      assertThat(lm.openConnections()).isEqualTo(2);
      lm.stopListening();
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
      // open connections keep working while draining
      a.getOutputStream().write('2');
      assertThat(a.getInputStream().read()).isEqualTo('2');
      CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
        try {
          lm.awaitDrained(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertThatThrownBy(() -> drained.get(300, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
      a.close();
      b.close();
      drained.get(10, TimeUnit.SECONDS);
      assertThat(lm.openConnections()).isZero();

      // drain time over: what is left is closed
    }
    try (EchoServer echo = new EchoServer();
        ProxyFixture proxy = ProxyFixture.start("static_resources:\n  listeners:\n"
            + echoListener("d", "127.0.0.1", 0) + "  clusters:\n" + ProxyFixture.cluster("echo", echo.port()));
        Socket c = new Socket("127.0.0.1", proxy.port("d"))) {
      c.setSoTimeout(10_000);
      c.getOutputStream().write('x');
      assertThat(c.getInputStream().read()).isEqualTo('x');
      ListenerManager lm = proxy.server().listenerManager();
      lm.stopListening();
      long t0 = System.nanoTime();
      lm.awaitDrained(Duration.ofMillis(200));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(190);
      assertThat(c.getInputStream().read()).isEqualTo(-1);
      assertThat(lm.openConnections()).isZero();
    }
  }
}
