package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.config.BootstrapValidator;
import io.trellis.proxy.http.HttpConnectionManagerFactory;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.server.ServerState;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.testkit.http.TestHttpClient;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The upstream side behind the real HTTP connection manager and router: a STRICT_DNS cluster (localhost) speaking
 * HTTP/2 over verified TLS, keep-alive reuse under real traffic, and an untrusted upstream that turns into a 503 with
 * the transport failure reason.
 */
class UpstreamThroughRouterTest {
  static EventLoopGroup workers;
  static EventLoopGroup serverGroup;
  static ExecutorService blocking;
  static X509Bundle ca;
  static X509Bundle otherCa;
  static X509Bundle serverCert;

  @BeforeAll
  static void start() throws Exception {
    workers = Transport.newGroup(1, "e2e-worker");
    serverGroup = Transport.newGroup(1, "e2e-upstream");
    blocking = Executors.newVirtualThreadPerTaskExecutor();
    ca = new CertificateBuilder().subject("CN=E2E CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    otherCa = new CertificateBuilder().subject("CN=Other").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    serverCert = new CertificateBuilder().subject("CN=backend.example")
        .addSanDnsName("backend.example").addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
  }

  @AfterAll
  static void stop() {
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    blocking.shutdownNow();
  }

  static String yaml(int upstreamPort, X509Bundle trusted) {
    String pem = trusted.getCertificatePEM().replace("\r", "").replace("\n", "\\n");
    return """
        static_resources:
          listeners:
          - name: ingress
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: {prefix: "/"}
                        route: {cluster: backend}
          clusters:
          - name: backend
            type: STRICT_DNS
            dns_lookup_family: V4_ONLY
            connect_timeout: 2s
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: localhost, port_value: %d}}}
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: backend.example
                common_tls_context:
                  validation_context:
                    trusted_ca: {inline_string: "%s"}
        """.formatted(upstreamPort, pem);
  }

  /** The HCM of the bootstrap on 127.0.0.1:0 with the real cluster manager behind it. */
  static final class Proxy implements AutoCloseable {
    final StatsStore stats = new StatsStore();
    final DefaultClusterManager clusters;
    final Channel server;

    Proxy(String yaml) throws Exception {
      Bootstrap b = BootstrapLoader.parse(yaml, "e2e.yaml");
      BootstrapValidator.validate(b, "e2e.yaml");
      clusters = DefaultClusterManager.create(b.getStaticResources().getClustersList(), stats, workers, blocking);
      FactoryContext ctx = new FactoryContext(stats, clusters, workers, new ServerState(), blocking, b.getNode());
      NetworkFilterFactory hcm = HttpConnectionManagerFactory.create(b.getStaticResources().getListeners(0)
          .getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class), "hcm", ctx);
      server = new ServerBootstrap().group(workers).channel(Transport.serverChannel())
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              hcm.install(ch, new DownstreamConnection("ingress", ch.localAddress(), ch.remoteAddress(), "", "",
                  false));
            }
          }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
      return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
      server.close().syncUninterruptibly();
      clusters.close();
    }
  }

  @Test
  void routerReachesAnHttp2TlsUpstreamFoundByDns() throws Exception {
    try (var upstream = TestServers.http2(serverGroup, "secure", 0, UpstreamTlsClusterTest.serverContext(serverCert, null));
        var proxy = new Proxy(yaml(upstream.port(), ca));
        TestHttpClient client = TestHttpClient.http1(proxy.port())) {
      for (int i = 0; i < 10; i++) {
        TestHttpClient.Response r = client.get("svc.test", "/x");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("secure");
      }
      System.out.println("10 requests through the router: upstream saw " + upstream.accepted.get()
          + " connection(s), SNI " + upstream.sniSeen + ", ALPN " + upstream.alpnSeen);
      assertThat(upstream.accepted.get()).isEqualTo(1);
      assertThat(upstream.sniSeen).containsExactly("backend.example");
      assertThat(upstream.alpnSeen).containsExactly("h2");
      assertThat(proxy.stats.counter("cluster.backend.upstream_cx_http2_total").value()).isEqualTo(1);
      Cluster c = proxy.clusters.get("backend");
      assertThat(c.hostStats(c.hosts().get(0)).rqSuccess()).isEqualTo(10);
    }
  }

  @Test
  void untrustedUpstreamBecomes503WithTheReason() throws Exception {
    try (var upstream = TestServers.http2(serverGroup, "secure", 0, UpstreamTlsClusterTest.serverContext(serverCert, null));
        var proxy = new Proxy(yaml(upstream.port(), otherCa));
        TestHttpClient client = TestHttpClient.http1(proxy.port())) {
      TestHttpClient.Response r = client.get("svc.test", "/x");
      System.out.println("untrusted upstream through the router: " + r.status() + " " + r.body());
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.body()).contains("certificate verify failed");
      assertThat(upstream.requests.get()).isZero();
      assertThat(proxy.stats.counter("cluster.backend.upstream_cx_connect_fail").value()).isEqualTo(1);
    }
  }
}
