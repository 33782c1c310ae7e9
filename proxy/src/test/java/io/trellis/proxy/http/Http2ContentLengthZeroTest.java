package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.conformance.Hpack;
import io.trellis.testkit.conformance.RawH2Connection;
import io.trellis.testkit.conformance.RawH2Connection.Kind;
import io.trellis.testkit.conformance.RawH2Connection.Outcome;
import io.trellis.testkit.http.TestHttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 request head with content-length 0 and no END_STREAM is held until the next frame: DATA beyond the
 * declared length resets the stream without the request ever reaching the upstream, and a legitimate empty DATA
 * with END_STREAM lets it through. A PING round trip between the frames makes sure the proxy handled the head first.
 */
class Http2ContentLengthZeroTest {
  private static final Duration WAIT = Duration.ofSeconds(3);
  static TestHttpServer a;
  static TestProxy proxy;
  static TestProxy shortIdle;

  @BeforeAll
  static void start() throws Exception {
    a = TestHttpServer.start("a", TestHttpServer.Protocol.HTTP1);
    proxy = TestProxy.start(Configs.bootstrap("", Configs.ROUTES, Map.of("a", a.port(), "b", a.port())));
    shortIdle = TestProxy.start(Configs.bootstrap("stream_idle_timeout: 0.2s", Configs.ROUTES,
        Map.of("a", a.port(), "b", a.port())));
  }

  @AfterAll
  static void stop() {
    proxy.close();
    shortIdle.close();
    a.close();
  }

  private static RawH2Connection connect() throws Exception {
    return RawH2Connection.connect(new InetSocketAddress("127.0.0.1", proxy.port())).handshake();
  }

  @Test
  void aHeldHeadIsForwardedAfterTheStreamIdleTimeoutWhenNothingFollows() throws Exception {
    try (RawH2Connection c = RawH2Connection.connect(new InetSocketAddress("127.0.0.1", shortIdle.port()))
        .handshake()) {
      c.headers(1, Hpack.request("POST", "/echo/cl0-quiet", "localhost").literal("content-length", "0"), false);
      Outcome o = c.awaitStream(1, WAIT);
      assertThat(o.kind()).as("%s", o).isEqualTo(Kind.RESPONSE);
      assertThat(o.status()).isEqualTo(200);
    }
  }

  @Test
  void dataBeyondContentLengthZeroIsNeverForwarded() throws Exception {
    a.requests().clear();
    try (RawH2Connection c = connect()) {
      c.headers(1, Hpack.request("POST", "/echo/cl0-smuggle", "localhost").literal("content-length", "0"), false);
      assertThat(c.ping(WAIT)).isTrue();
      c.data(1, "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), true);
      Outcome o = c.awaitStream(1, WAIT);
      assertThat(o.kind()).as("%s", o).isEqualTo(Kind.RST_STREAM);
      // The next request on the same connection still works, and it is the only one the upstream saw.
      c.headers(3, Hpack.request("GET", "/echo/after", "localhost"), true);
      assertThat(c.awaitStream(3, WAIT).status()).isEqualTo(200);
    }
    TestHttpServer.RecordedRequest first = a.requests().poll(3, TimeUnit.SECONDS);
    assertThat(first).isNotNull();
    assertThat(first.uri()).isEqualTo("/echo/after");
    assertThat(a.requests()).isEmpty();
  }

  @Test
  void contentLengthZeroThenEmptyEndStreamIsForwarded() throws Exception {
    try (RawH2Connection c = connect()) {
      c.headers(1, Hpack.request("POST", "/echo/cl0-ok", "localhost").literal("content-length", "0"), false);
      assertThat(c.ping(WAIT)).isTrue();
      c.data(1, new byte[0], true);
      Outcome o = c.awaitStream(1, WAIT);
      assertThat(o.kind()).as("%s", o).isEqualTo(Kind.RESPONSE);
      assertThat(o.status()).isEqualTo(200);
    }
  }
}
