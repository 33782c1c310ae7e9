package io.trellis.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Envoy's filter chain precedence, and the two listener-filter parsers on real and made-up bytes. */
class FilterChainMatcherTest {
  static ChainConfig chain(String name, int port, Set<String> names, String transport, Set<String> alpn) {
    return new ChainConfig(name, port, names, transport, alpn, null, List.of());
  }

  @Test
  void precedenceFollowsEnvoyWithoutBacktracking() throws Exception {
    List<ChainConfig> chains = List.of(
        chain("port", 8443, Set.of(), "", Set.of()),
        chain("exact", 0, Set.of("a.b.example.com"), "", Set.of()),
        chain("deep-wildcard", 0, Set.of("*.b.example.com"), "", Set.of()),
        chain("wildcard", 0, Set.of("*.example.com"), "", Set.of()),
        chain("tls-h2", 0, Set.of(), "tls", Set.of("h2")),
        chain("tls", 0, Set.of(), "tls", Set.of()),
        chain("raw", 0, Set.of(), "raw_buffer", Set.of()));
    ChainConfig dflt = chain("default", 0, Set.of(), "", Set.of());
    FilterChainMatcher m = FilterChainMatcher.create(chains, chains.stream().map(ChainConfig::name).toList(), dflt);
    assertThat(m.select(8443, "a.b.example.com", "tls", List.of()).name()).isEqualTo("port");
    assertThat(m.select(443, "a.b.example.com", "tls", List.of()).name()).isEqualTo("exact");
    assertThat(m.select(443, "c.b.example.com", "tls", List.of()).name()).isEqualTo("deep-wildcard");
    assertThat(m.select(443, "c.example.com", "tls", List.of()).name()).isEqualTo("wildcard");
    assertThat(m.select(443, "example.com", "tls", List.of("h2", "http/1.1")).name()).isEqualTo("tls-h2");
    assertThat(m.select(443, "", "tls", List.of("http/1.1")).name()).isEqualTo("tls");
    assertThat(m.select(443, "", "raw_buffer", List.of()).name()).isEqualTo("raw");
    // the port chain wins at step 1; its (empty) criteria match everything, so no fall back to other chains
    assertThat(m.select(8443, "", "raw_buffer", List.of()).name()).isEqualTo("port");
    // no backtracking: an SNI that matches a wildcard chain never falls to the "tls" chain, even on a miss later
    FilterChainMatcher strict = FilterChainMatcher.create(List.of(
        chain("sni-raw", 0, Set.of("*.example.com"), "raw_buffer", Set.of()),
        chain("any-tls", 0, Set.of(), "tls", Set.of())), List.of("a", "b"), null);
    assertThat(strict.select(443, "x.example.com", "tls", List.of())).isNull();
    assertThat(strict.select(443, "other.test", "tls", List.of()).name()).isEqualTo("any-tls");
  }

  @Test
  void clientHelloParserReadsSniAndAlpnFromARealHandshake() throws Exception {
    SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
        .trustManager(InsecureTrustManagerFactory.INSTANCE)
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1"))
        .build();
    EmbeddedChannel ch = new EmbeddedChannel();
    SslHandler ssl = client.newHandler(ch.alloc(), "Sni.Example.COM", 443);
    ch.pipeline().addLast(ssl);
    ByteBuf hello = Unpooled.buffer();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      hello.writeBytes((ByteBuf) o);
      ((ByteBuf) o).release();
    }
    try {
      int n = hello.readableBytes();
      assertThat(n).isGreaterThan(50);
      // every prefix is "need more", the whole is TLS with the lower-cased SNI and the offers in order
      for (int cut : new int[] {1, 5, 20, n - 1}) {
        assertThat(ClientHello.parse(hello.slice(0, cut)).status()).isEqualTo(ClientHello.Status.NEED_MORE);
      }
      ClientHello h = ClientHello.parse(hello);
      assertThat(h.status()).isEqualTo(ClientHello.Status.TLS);
      assertThat(h.serverName()).isEqualTo("sni.example.com");
      assertThat(h.alpn()).containsExactly("h2", "http/1.1");
      assertThat(hello.readerIndex()).isZero();
    } finally {
      hello.release();
      ch.finishAndReleaseAll();
    }
    ByteBuf plain = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
    assertThat(ClientHello.parse(plain).status()).isEqualTo(ClientHello.Status.NOT_TLS);
    plain.release();
  }

  @Test
  void httpPrefaceDetection() {
    String[][] cases = {
        {"GET / HTTP/1.1\r\n", "http/1.1"}, {"POST /x?y HTTP/1.0\r\n", "http/1.0"},
        {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "h2c"}, {"PRI * HTTP/2.0\r\n", null}, {"GET / HTT", null},
        {"\u0016\u0003\u0001", ""}, {"GET / SPDY/3\r\n", ""}, {"GET  / HTTP/1.1\r\n", ""}, {"hello\r\n", ""},
    };
    for (String[] c : cases) {
      ByteBuf b = Unpooled.copiedBuffer(c[0], StandardCharsets.ISO_8859_1);
      try {
        assertThat(HttpPreface.detect(b)).as(c[0]).isEqualTo(c[1]);
      } finally {
        b.release();
      }
    }
  }
}
