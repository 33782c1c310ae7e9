package io.trellis.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.tcp.EchoServer;
import io.trellis.testkit.tcp.FixedHttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downstream TLS and TLS-based filter chain selection with real clients: JDK SSLSocket, openssl s_client and curl.
 * Certificates are made in the test (BouncyCastle).
 */
class ListenerTlsTest {
  @TempDir static Path dir;
  static TestCerts certs;
  static FixedHttpServer exact;
  static FixedHttpServer wildcard;
  static FixedHttpServer h2;
  static FixedHttpServer mtls;
  static FixedHttpServer tls13;
  static EchoServer plain;
  static ProxyFixture proxy;

  static String tls(TestCerts.Issued cert, String extra) {
    return tls(cert, extra, "");
  }

  static String tls(TestCerts.Issued cert, String extra, String downstreamExtra) {
    return """
              transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  common_tls_context:
                    tls_certificates:
                    - certificate_chain: {filename: "%s"}
                      private_key: {filename: "%s"}
        %s
        %s
        """.formatted(cert.certPem(), cert.keyPem(), extra.indent(12).stripTrailing(),
        downstreamExtra.indent(10).stripTrailing());
  }

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

  @BeforeAll
  static void start() throws Exception {
    certs = new TestCerts(dir);
    TestCerts.Issued a = certs.server("a.example.com");
    TestCerts.Issued w = certs.server("*.example.com");
    TestCerts.Issued h = certs.server("h2.test");
    exact = new FixedHttpServer("exact");
    wildcard = new FixedHttpServer("wildcard");
    h2 = new FixedHttpServer("h2-chain");
    mtls = new FixedHttpServer("mtls");
    tls13 = new FixedHttpServer("tls13");
    plain = new EchoServer();
    String alpn = "alpn_protocols: [h2, http/1.1]";
    proxy = ProxyFixture.start("""
        static_resources:
          listeners:
          - name: sni
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            listener_filters:
            - name: envoy.filters.listener.tls_inspector
              typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}
            filter_chains:
            - name: exact
              filter_chain_match: {server_names: [a.example.com]}
        """ + tls(a, "") + tcp("exact") + """
            - name: wildcard
              filter_chain_match: {server_names: ["*.example.com"]}
        """ + tls(w, "") + tcp("wildcard") + """
            - name: alpn-h2
              filter_chain_match: {server_names: [h2.test], application_protocols: [h2]}
        """ + tls(h, alpn) + tcp("h2") + """
            - name: alpn-other
              filter_chain_match: {server_names: [h2.test]}
        """ + tls(h, alpn) + tcp("exact") + """
            - name: plaintext
              filter_chain_match: {transport_protocol: raw_buffer}
        """ + tcp("plain") + """
          - name: mtls
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - name: mtls
        """ + tls(a, "validation_context: {trusted_ca: {filename: \"" + certs.ca().certPem() + "\"}}",
            "require_client_certificate: true") + tcp("mtls") + """
          - name: tls13
            address: {socket_address: {address: 127.0.0.1, port_value: 0}}
            filter_chains:
            - name: tls13
        """ + tls(a, "tls_params: {tls_minimum_protocol_version: TLSv1_3}") + tcp("tls13") + """
          clusters:
        """ + ProxyFixture.cluster("exact", exact.port()) + ProxyFixture.cluster("wildcard", wildcard.port())
        + ProxyFixture.cluster("h2", h2.port()) + ProxyFixture.cluster("mtls", mtls.port())
        + ProxyFixture.cluster("tls13", tls13.port()) + ProxyFixture.cluster("plain", plain.port()));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    for (AutoCloseable c : List.<AutoCloseable>of(exact, wildcard, h2, mtls, tls13, plain)) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort
      }
    }
  }

  /** What a TLS client saw: the HTTP body (null when the connection failed) and the negotiated ALPN protocol. */
  record Reply(String body, String alpn, String failure) {}

  /** A new client context per connection: the JDK resumes sessions with the first SNI it used for host:port. */
  static Reply get(TestCerts.Issued client, int port, String sni, List<String> alpn, String... protocols) {
    SSLContext ctx = certs.clientContext(client);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      SSLParameters p = s.getSSLParameters();
      if (sni != null) {
        p.setServerNames(List.of(new SNIHostName(sni)));
      }
      if (!alpn.isEmpty()) {
        p.setApplicationProtocols(alpn.toArray(String[]::new));
      }
      if (protocols.length > 0) {
        p.setProtocols(protocols);
      }
      s.setSSLParameters(p);
      s.startHandshake();
      s.getOutputStream().write(("GET / HTTP/1.1\r\nhost: " + sni + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int i = resp.indexOf("\r\n\r\n");
      return new Reply(i < 0 ? null : resp.substring(i + 4), s.getApplicationProtocol(), null);
    } catch (IOException e) {
      return new Reply(null, null, e.toString());
    }
  }

  @Test
  void serverNameSelectsExactThenWildcardChain() {
    int port = proxy.port("sni");
    assertThat(get(null, port, "a.example.com", List.of()).body()).isEqualTo("exact");
    assertThat(get(null, port, "b.example.com", List.of()).body()).isEqualTo("wildcard");
    assertThat(get(null, port, "x.y.example.com", List.of()).body()).isEqualTo("wildcard");
    // TLS for a name no chain has: no match at server_names, no default chain -> closed
    long before = proxy.counter("listener.127.0.0.1_" + port + ".no_filter_chain_match");
    assertThat(get(null, port, "other.test", List.of()).body()).isNull();
    assertThat(proxy.counter("listener.127.0.0.1_" + port + ".no_filter_chain_match")).isEqualTo(before + 1);
    assertThat(proxy.counter("tls_inspector.sni_found")).isGreaterThanOrEqualTo(4);
    assertThat(proxy.counter("listener.127.0.0.1_" + port + ".ssl.handshake")).isGreaterThanOrEqualTo(3);
  }

  @Test
  void plaintextOnTheSameListenerGoesToTheRawBufferChain() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.port("sni"))) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("hello plaintext".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();
      assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello plaintext");
    }
    assertThat(proxy.counter("tls_inspector.tls_not_found")).isPositive();
  }

  @Test
  void alpnOffersSelectTheChainAndNegotiatedProtocolIsH2() {
    Reply h2Reply = get(null, proxy.port("sni"), "h2.test", List.of("h2", "http/1.1"));
    assertThat(h2Reply.body()).isEqualTo("h2-chain");
    assertThat(h2Reply.alpn()).isEqualTo("h2");
    Reply h1Reply = get(null, proxy.port("sni"), "h2.test", List.of("http/1.1"));
    assertThat(h1Reply.body()).isEqualTo("exact");
    assertThat(h1Reply.alpn()).isEqualTo("http/1.1");
  }

  @Test
  void mutualTlsRequiresATrustedClientCertificate() {
    int port = proxy.port("mtls");
    assertThat(get(certs.client("alice"), port, "a.example.com", List.of()).body())
        .isEqualTo("mtls");
    Reply none = get(null, port, "a.example.com", List.of());
    assertThat(none.body()).isNull();
    Reply rogue = get(certs.untrustedClient("mallory"), port, "a.example.com", List.of());
    assertThat(rogue.body()).isNull();
    String prefix = "listener.127.0.0.1_" + port + ".";
    assertThat(proxy.counter(prefix + "ssl.connection_error")).isGreaterThanOrEqualTo(2);
    assertThat(proxy.counter(prefix + "ssl.handshake")).isGreaterThanOrEqualTo(1);
    System.out.printf("tls: mTLS trusted=ok missing=%s untrusted=%s%n", none.failure(), rogue.failure());
  }

  @Test
  void tls13OnlyListenerRefusesTls12Client() {
    int port = proxy.port("tls13");
    Reply v12 = get(null, port, "a.example.com", List.of(), "TLSv1.2");
    assertThat(v12.body()).isNull();
    Reply v13 = get(null, port, "a.example.com", List.of(), "TLSv1.3");
    assertThat(v13.body()).isEqualTo("tls13");
    assertThat(proxy.counter("listener.127.0.0.1_" + port + ".ssl.connection_error")).isGreaterThanOrEqualTo(1);
  }

  static String run(List<String> cmd, String stdin) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
    }
    p.getOutputStream().close();
    InputStream in = p.getInputStream();
    String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (java.nio.file.Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void curlAndOpensslClientsSelectBySni() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(onPath("curl") && onPath("openssl"), "curl and openssl needed");
    int port = proxy.port("sni");
    String curl = run(List.of("curl", "-sS", "--max-time", "20", "--cacert", certs.ca().certPem().toString(),
        "--resolve", "a.example.com:" + port + ":127.0.0.1", "https://a.example.com:" + port + "/"), null);
    assertThat(curl).isEqualTo("exact");
    String curlWild = run(List.of("curl", "-sS", "--max-time", "20", "--cacert", certs.ca().certPem().toString(),
        "--resolve", "c.example.com:" + port + ":127.0.0.1", "https://c.example.com:" + port + "/"), null);
    assertThat(curlWild).isEqualTo("wildcard");
    List<String> sClient = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-servername", "h2.test", "-alpn", "h2", "-CAfile", certs.ca().certPem().toString(), "-quiet",
        "-verify_return_error"));
    String out = run(sClient, "GET / HTTP/1.1\r\nhost: h2.test\r\n\r\n");
    assertThat(out).contains("h2-chain");
  }
}
