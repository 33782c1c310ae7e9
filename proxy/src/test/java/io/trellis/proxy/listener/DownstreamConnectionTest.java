package io.trellis.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.trellis.proxy.accesslog.AccessLog;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.server.ServerState;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.tls.DownstreamTls;
import io.trellis.proxy.tls.DownstreamTlsContextFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What network filters are told about a connection ({@link DownstreamConnection}): SNI, the negotiated ALPN protocol
 * after TLS, the protocol http_inspector found. Uses a capturing network filter in place of tcp_proxy.
 */
class DownstreamConnectionTest {
  @TempDir Path dir;
  EventLoopGroup workers;
  FactoryContext context;
  ListenerManager manager;

  @BeforeEach
  void setUp() {
    workers = Transport.newGroup(2, "test-worker");
    context = new FactoryContext(new StatsStore(), null, workers, new ServerState(),
        Executors.newVirtualThreadPerTaskExecutor(), Node.getDefaultInstance());
  }

  @AfterEach
  void tearDown() {
    if (manager != null) {
      manager.close();
    }
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Records the connection facts, answers "ok" and closes. */
  static NetworkFilterFactory capture(CompletableFuture<DownstreamConnection> seen) {
    return (ch, conn) -> {
      seen.complete(conn);
      ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          ReferenceCountUtil.release(msg);
          ctx.writeAndFlush(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII))
              .addListener(ChannelFutureListener.CLOSE);
        }
      });
    };
  }

  InetSocketAddress start(boolean tlsInspector, boolean httpInspector, DownstreamTls tls,
      NetworkFilterFactory filter) throws Exception {
    ChainConfig chain = new ChainConfig("only", 0, Set.of(), "", Set.of(), tls, List.of(filter));
    ListenerConfig config = new ListenerConfig("l", "static_resources.listeners[0]",
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, tlsInspector, httpInspector, 5_000, false,
        1 << 20, 128, false, FilterChainMatcher.create(List.of(chain), List.of("c"), null), AccessLog.NONE);
    manager = ListenerManager.startCompiled(List.of(config), context);
    return manager.boundAddresses().get("l");
  }

  @Test
  void tlsConnectionCarriesSniAndNegotiatedAlpn() throws Exception {
    TestCerts certs = new TestCerts(dir);
    TestCerts.Issued server = certs.server("x.test");
    DownstreamTls tls = DownstreamTlsContextFactory.create(DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder()
            .addAlpnProtocols("h2").addAlpnProtocols("http/1.1")
            .addTlsCertificates(TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setFilename(server.certPem().toString()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(
                    java.nio.file.Files.readString(server.keyPem())))))
        .build(), "t");
    CompletableFuture<DownstreamConnection> seen = new CompletableFuture<>();
    InetSocketAddress addr = start(true, false, tls, capture(seen));
    try (SSLSocket s = (SSLSocket) certs.clientContext(null).getSocketFactory()
        .createSocket(addr.getAddress(), addr.getPort())) {
      s.setSoTimeout(10_000);
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(List.of(new SNIHostName("x.test")));
      p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
      s.setSSLParameters(p);
      s.getOutputStream().write('?');
      s.getOutputStream().flush();
      assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("ok");
      assertThat(s.getApplicationProtocol()).isEqualTo("h2");
    }
    DownstreamConnection c = seen.get(10, TimeUnit.SECONDS);
    assertThat(c.tls()).isTrue();
    assertThat(c.serverName()).isEqualTo("x.test");
    assertThat(c.applicationProtocol()).isEqualTo("h2");
    assertThat(c.listenerName()).isEqualTo("l");
    assertThat(c.localAddress().getPort()).isEqualTo(addr.getPort());
  }

  @Test
  void plaintextConnectionCarriesTheHttpInspectorProtocol() throws Exception {
    CompletableFuture<DownstreamConnection> seen = new CompletableFuture<>();
    InetSocketAddress addr = start(false, true, null, capture(seen));
    try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("ok");
    }
    DownstreamConnection c = seen.get(10, TimeUnit.SECONDS);
    assertThat(c.tls()).isFalse();
    assertThat(c.applicationProtocol()).isEqualTo("h2c");
    assertThat(c.serverName()).isEmpty();
  }
}
