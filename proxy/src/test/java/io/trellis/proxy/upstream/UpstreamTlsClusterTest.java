package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Upstream TLS against real TLS servers whose certificates come from a CA generated in the test (Netty's
 * pkitesting): verification, SNI, SAN matching, ALPN h2, client certificates, and the failure reasons.
 */
class UpstreamTlsClusterTest {
  static EventLoopGroup clientGroup;
  static EventLoopGroup serverGroup;
  static X509Bundle ca;
  static X509Bundle otherCa;
  static X509Bundle serverCert;
  static X509Bundle clientCert;

  @BeforeAll
  static void start() throws Exception {
    clientGroup = Transport.newGroup(1, "tls-client");
    serverGroup = Transport.newGroup(1, "tls-server");
    ca = new CertificateBuilder().subject("CN=Trellis Test CA").setIsCertificateAuthority(true).ecp256()
        .buildSelfSigned();
    otherCa = new CertificateBuilder().subject("CN=Some Other CA").setIsCertificateAuthority(true).ecp256()
        .buildSelfSigned();
    serverCert = new CertificateBuilder().subject("CN=backend.example").addSanDnsName("backend.example")
        .addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
    clientCert = new CertificateBuilder().subject("CN=client").addSanUriName("spiffe://trellis.test/ns/a/sa/client")
        .addExtendedKeyUsageClientAuth().ecp256().buildIssuedBy(ca);
  }

  @AfterAll
  static void stop() {
    clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static SslContext serverContext(boolean requireClientCert) throws Exception {
    return serverContext(serverCert, requireClientCert ? ca : null);
  }

  /** A server context for {@code cert} offering ALPN h2 and http/1.1; requires a client certificate from clientCa. */
  static SslContext serverContext(X509Bundle cert, X509Bundle clientCa) throws Exception {
    SslContextBuilder b = SslContextBuilder.forServer(cert.getKeyPair().getPrivate(), cert.getCertificatePath())
        .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1"));
    if (clientCa != null) {
      b.trustManager(clientCa.getCertificate()).clientAuth(ClientAuth.REQUIRE);
    }
    return b.build();
  }

  static DataSource inline(String pem) {
    return DataSource.newBuilder().setInlineString(pem).build();
  }

  static CommonTlsContext.Builder trusting(X509Bundle trusted) {
    return CommonTlsContext.newBuilder().setValidationContext(
        CertificateValidationContext.newBuilder().setTrustedCa(inline(trusted.getCertificatePEM())));
  }

  static io.envoyproxy.envoy.config.cluster.v3.Cluster.Builder withTls(
      io.envoyproxy.envoy.config.cluster.v3.Cluster.Builder c, UpstreamTlsContext tls) {
    return c.setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(tls)));
  }

  private DefaultClusterManager manager(StatsStore stats, io.envoyproxy.envoy.config.cluster.v3.Cluster c)
      throws Exception {
    return DefaultClusterManager.create(List.of(c), stats, clientGroup, Executors.newVirtualThreadPerTaskExecutor());
  }

  @Test
  void verifiedHandshakeSendsSniAndCarriesRequests() throws Exception {
    try (var s = TestServers.http1(serverGroup, "tls1", serverContext(false));
        var cm = manager(new StatsStore(), withTls(Clusters.staticCluster("tls", s.port()),
            UpstreamTlsContext.newBuilder().setSni("backend.example").setCommonTlsContext(trusting(ca)).build())
            .build())) {
      EventLoop loop = clientGroup.next();
      for (int i = 0; i < 3; i++) {
        assertThat(TestClient.get(cm.get("tls"), loop, false).get(5, TimeUnit.SECONDS).body()).isEqualTo("tls1");
      }
      System.out.println("TLS upstream: SNI seen " + s.sniSeen + ", ALPN " + s.alpnSeen + ", connections "
          + s.accepted.get());
      assertThat(s.sniSeen).containsExactly("backend.example");
      assertThat(s.alpnSeen).containsExactly("http/1.1");
      assertThat(s.accepted.get()).isEqualTo(1);
    }
  }

  @Test
  void alpnNegotiatesH2ForAnHttp2Cluster() throws Exception {
    try (var s = TestServers.http2(serverGroup, "tls2", 0, serverContext(false));
        var cm = manager(new StatsStore(), withTls(Clusters.http2(Clusters.staticCluster("tlsh2", s.port()), 0),
            UpstreamTlsContext.newBuilder().setSni("backend.example").setCommonTlsContext(trusting(ca)).build())
            .build())) {
      TestClient.Response r = TestClient.get(cm.get("tlsh2"), clientGroup.next(), false).get(5, TimeUnit.SECONDS);
      assertThat(r.protocol()).isEqualTo("HTTP/2");
      assertThat(r.body()).isEqualTo("tls2");
      assertThat(s.alpnSeen).containsExactly("h2");
    }
  }

  @Test
  void untrustedServerFailsWithCertificateVerifyFailed() throws Exception {
    StatsStore stats = new StatsStore();
    try (var s = TestServers.http1(serverGroup, "tls", serverContext(false));
        var cm = manager(stats, withTls(Clusters.staticCluster("untrusted", s.port()),
            UpstreamTlsContext.newBuilder().setSni("backend.example").setCommonTlsContext(trusting(otherCa)).build())
            .build())) {
      Throwable t = catchThrowable(() -> TestClient.get(cm.get("untrusted"), clientGroup.next(), false)
          .get(5, TimeUnit.SECONDS));
      String reason = io.trellis.proxy.tls.UpstreamTls.failureReason(t.getCause());
      System.out.println("untrusted CA: " + t.getCause().getMessage());
      assertThat(t.getCause().getMessage()).contains("upstream TLS handshake with 127.0.0.1:")
          .contains("SNI backend.example").contains("certificate verify failed");
      assertThat(reason).startsWith("certificate verify failed:");
      assertThat(stats.counter("cluster.untrusted.upstream_cx_connect_fail").value()).isEqualTo(1);
      assertThat(s.requests.get()).isZero();
    }
  }

  @Test
  void subjectAltNameMustMatchWhenConfigured() throws Exception {
    try (var s = TestServers.http1(serverGroup, "tls", serverContext(false))) {
      var wrongSan = UpstreamTlsContext.newBuilder().setSni("backend.example").setCommonTlsContext(trusting(ca)
          .setValidationContext(CertificateValidationContext.newBuilder()
              .setTrustedCa(inline(ca.getCertificatePEM()))
              .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                  .setSanType(SubjectAltNameMatcher.SanType.DNS)
                  .setMatcher(StringMatcher.newBuilder().setExact("other.example"))))).build();
      try (var cm = manager(new StatsStore(), withTls(Clusters.staticCluster("san", s.port()), wrongSan).build())) {
        Throwable t = catchThrowable(() -> TestClient.get(cm.get("san"), clientGroup.next(), false)
            .get(5, TimeUnit.SECONDS));
        System.out.println("SAN mismatch: " + io.trellis.proxy.tls.UpstreamTls.failureReason(t.getCause()));
        assertThat(io.trellis.proxy.tls.UpstreamTls.failureReason(t.getCause()))
            .startsWith("certificate verify failed: no subject alternative name")
            .contains("backend.example");
      }
      var rightSan = UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
          .setValidationContext(CertificateValidationContext.newBuilder()
              .setTrustedCa(inline(ca.getCertificatePEM()))
              .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                  .setSanType(SubjectAltNameMatcher.SanType.DNS)
                  .setMatcher(StringMatcher.newBuilder().setSuffix(".example"))))).build();
      try (var cm = manager(new StatsStore(), withTls(Clusters.staticCluster("san2", s.port()), rightSan).build())) {
        assertThat(TestClient.get(cm.get("san2"), clientGroup.next(), false).get(5, TimeUnit.SECONDS).status())
            .isEqualTo(200);
      }
    }
  }

  @Test
  void withoutValidationContextTheServerIsNotVerified() throws Exception {
    try (var s = TestServers.http1(serverGroup, "insecure", serverContext(false));
        var cm = manager(new StatsStore(), withTls(Clusters.staticCluster("insecure", s.port()),
            UpstreamTlsContext.getDefaultInstance()).build())) {
      assertThat(TestClient.get(cm.get("insecure"), clientGroup.next(), false).get(5, TimeUnit.SECONDS).body())
          .isEqualTo("insecure");
      assertThat(s.sniSeen).isEmpty(); // no sni configured: none sent
    }
  }

  @Test
  void clientCertificateIsPresentedForMutualTls() throws Exception {
    try (var s = TestServers.http1(serverGroup, "mtls", serverContext(true))) {
      var withCert = UpstreamTlsContext.newBuilder().setCommonTlsContext(trusting(ca).addTlsCertificates(
          TlsCertificate.newBuilder().setCertificateChain(inline(clientCert.getCertificatePEM()))
              .setPrivateKey(inline(clientCert.getPrivateKeyPEM())))).build();
      try (var cm = manager(new StatsStore(), withTls(Clusters.staticCluster("mtls", s.port()), withCert).build())) {
        assertThat(TestClient.get(cm.get("mtls"), clientGroup.next(), false).get(5, TimeUnit.SECONDS).body())
            .isEqualTo("mtls");
      }
      var withoutCert = UpstreamTlsContext.newBuilder().setCommonTlsContext(trusting(ca)).build();
      try (var cm = manager(new StatsStore(), withTls(Clusters.staticCluster("nomtls", s.port()), withoutCert)
          .build())) {
        Throwable t = catchThrowable(() -> TestClient.get(cm.get("nomtls"), clientGroup.next(), false)
            .get(5, TimeUnit.SECONDS));
        System.out.println("mTLS without a client certificate: " + t);
        assertThat(t).isInstanceOf(java.util.concurrent.ExecutionException.class);
      }
    }
  }

  @Test
  void rawConnectAppliesTlsForTcpProxy() throws Exception {
    try (var s = TestServers.http1(serverGroup, "raw", serverContext(false));
        var cm = manager(new StatsStore(), withTls(Clusters.staticCluster("raw", s.port()),
            UpstreamTlsContext.newBuilder().setSni("backend.example").setCommonTlsContext(trusting(ca)).build())
            .build())) {
      Cluster c = cm.get("raw");
      EventLoop loop = clientGroup.next();
      CompletableFuture<Channel> done = new CompletableFuture<>();
      loop.execute(() -> c.connect(loop, c.hosts().get(0), new ChannelInboundHandlerAdapter()).addListener(f -> {
        if (f.isSuccess()) {
          done.complete(((io.netty.channel.ChannelFuture) f).channel());
        } else {
          done.completeExceptionally(f.cause());
        }
      }));
      Channel ch = done.get(5, TimeUnit.SECONDS);
      SslHandler ssl = ch.pipeline().get(SslHandler.class);
      assertThat(ssl).isNotNull();
      assertThat(ssl.handshakeFuture().isSuccess()).isTrue();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
          .untilAsserted(() -> assertThat(s.sniSeen).containsExactly("backend.example"));
      ch.close().syncUninterruptibly();
    }
  }

  @Test
  void silentServerHitsTheHandshakeTimeout() throws Exception {
    StatsStore stats = new StatsStore();
    // accepts TCP, never answers the ClientHello
    Channel silent = new io.netty.bootstrap.ServerBootstrap().group(serverGroup).channel(Transport.serverChannel())
        .childHandler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
          }
        }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    try (var cm = manager(stats, withTls(Clusters.staticCluster("silent",
            ((java.net.InetSocketAddress) silent.localAddress()).getPort())
            .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000)),
        UpstreamTlsContext.newBuilder().setCommonTlsContext(trusting(ca)).build()).build())) {
      Throwable t = catchThrowable(() -> TestClient.get(cm.get("silent"), clientGroup.next(), false)
          .get(5, TimeUnit.SECONDS));
      System.out.println("silent TLS server: " + t.getCause().getMessage());
      assertThat(t.getCause()).hasMessageContaining("handshake timed out");
      assertThat(stats.counter("cluster.silent.upstream_cx_connect_timeout").value()).isEqualTo(1);
      assertThat(stats.counter("cluster.silent.upstream_cx_connect_fail").value()).isEqualTo(1);
    } finally {
      silent.close().syncUninterruptibly();
    }
  }
}
