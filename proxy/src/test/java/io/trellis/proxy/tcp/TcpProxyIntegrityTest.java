package io.trellis.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.proxy.listener.ProxyFixture;
import io.trellis.testkit.tcp.Digests;
import io.trellis.testkit.tcp.EchoServer;
import io.trellis.testkit.tcp.SinkSourceServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Byte-exact integrity and half-close through tcp_proxy, real sockets on loopback. */
class TcpProxyIntegrityTest {
  static EchoServer echo;
  static SinkSourceServer source;
  static ProxyFixture proxy;
  static final int SOURCE_BYTES = 3 * 1024 * 1024 + 17;
  static final java.util.concurrent.ExecutorService WRITERS = Executors.newCachedThreadPool();

  @BeforeAll
  static void start() throws Exception {
    echo = new EchoServer();
    source = new SinkSourceServer(SOURCE_BYTES);
    proxy = ProxyFixture.start("""
        static_resources:
          listeners:
          - name: echo
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            per_connection_buffer_limit_bytes: 65536
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: echo
                  cluster: echo
          - name: source
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: source
                  cluster: source
          clusters:
        """ + ProxyFixture.cluster("echo", echo.port()) + ProxyFixture.cluster("source", source.port()));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    echo.close();
    source.close();
  }

  /** Sends {@code size} seeded random bytes, half-closes, reads the echo to EOF; true when the digests match. */
  static boolean echoRoundTrip(int port, long seed, long size) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      MessageDigest sent = Digests.sha256();
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try {
          OutputStream out = s.getOutputStream();
          Random r = new Random(seed);
          byte[] chunk = new byte[64 * 1024];
          long left = size;
          while (left > 0) {
            int n = (int) Math.min(left, r.nextInt(1, chunk.length + 1));
            r.nextBytes(chunk);
            sent.update(chunk, 0, n);
            out.write(chunk, 0, n);
            left -= n;
          }
          out.flush();
          s.shutdownOutput();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, WRITERS);
      MessageDigest got = Digests.sha256();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        got.update(buf, 0, n);
        total += n;
      }
      writer.get(60, TimeUnit.SECONDS);
      boolean ok = total == size && Digests.hex(sent).equals(Digests.hex(got));
      if (!ok) {
        System.out.printf("tcp: mismatch: sent %d bytes (seed %d), received %d%n", size, seed, total);
      }
      return ok;
    }
  }

  @Test
  void randomPayloadsFromOneByteTo64MiBArriveByteExact() throws Exception {
    List<Long> sizes = new ArrayList<>(List.of(1L, 2L, 1000L, 16_384L, 65_536L, 65_537L, 1L << 20, 8L << 20,
        64L << 20));
    Random r = new Random(42);
    for (int i = 0; i < 11; i++) {
      sizes.add((long) r.nextInt(1, 4 << 20));
    }
    List<CompletableFuture<Boolean>> results = new ArrayList<>();
    try (var pool = Executors.newCachedThreadPool()) {
      for (int i = 0; i < sizes.size(); i++) {
        long seed = i;
        long size = sizes.get(i);
        results.add(CompletableFuture.supplyAsync(() -> {
          try {
            return echoRoundTrip(proxy.port("echo"), seed, size);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, pool));
      }
      CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(110, TimeUnit.SECONDS);
    }
    long mismatches = results.stream().filter(f -> !f.join()).count();
    long totalBytes = sizes.stream().mapToLong(Long::longValue).sum();
    System.out.printf("tcp: %d MiB, %d conns, %d mismatches, half-close ok %d/%d%n", totalBytes >> 20, sizes.size(),
        mismatches, sizes.size() - mismatches, sizes.size());
    assertThat(mismatches).isZero();
    assertThat(proxy.counter("tcp.echo.downstream_cx_rx_bytes_total")).isGreaterThanOrEqualTo(totalBytes);
    assertThat(proxy.counter("tcp.echo.downstream_cx_total")).isGreaterThanOrEqualTo(sizes.size());
    // a 64 KiB buffer limit with 64 MiB going through must have paused reading at least once
    assertThat(proxy.counter("tcp.echo.downstream_flow_control_paused_reading_total")
        + proxy.counter("cluster.echo.upstream_flow_control_paused_reading_total")).isPositive();
    Awaitility.await().atMost(10, TimeUnit.SECONDS)
        .until(() -> proxy.server().listenerManager().openConnections() == 0);
  }

  @Test
  void serverHalfCloseFirstKeepsClientDirectionOpen() throws Exception {
    byte[] expected = source.payload();
    int conns = 4;
    int ok = 0;
    for (int c = 0; c < conns; c++) {
      try (Socket s = new Socket("127.0.0.1", proxy.port("source"))) {
        s.setSoTimeout(30_000);
        InputStream in = s.getInputStream();
        MessageDigest got = Digests.sha256();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {       // the server's FIN arrives after its payload
          got.update(buf, 0, n);
          total += n;
        }
        assertThat(total).isEqualTo(expected.length);
        assertThat(Digests.hex(got)).isEqualTo(Digests.sha256Hex(expected));
        // the other direction still flows after the upstream's FIN
        byte[] late = Digests.random(1000 + c, 2 * 1024 * 1024 + c);
        s.getOutputStream().write(late);
        s.shutdownOutput();
        SinkSourceServer.Result r = source.poll(30_000);
        assertThat(r).isNotNull();
        assertThat(r.receivedBytes()).isEqualTo(late.length);
        assertThat(r.receivedSha256()).isEqualTo(Digests.sha256Hex(late));
        assertThat(in.read()).isEqualTo(-1);
        ok++;
      }
    }
    System.out.printf("tcp: server-first half-close ok %d/%d%n", ok, conns);
  }
}
