package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.conformance.Hpack;
import io.trellis.testkit.conformance.RawH2Connection;
import io.trellis.testkit.conformance.RawH2Connection.Outcome;
import io.trellis.testkit.http.TestHttpServer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 inbound frame limits follow Envoy's http2_protocol_options fields: below the bound a connection keeps
 * working, one frame above it ends with GOAWAY(ENHANCE_YOUR_CALM).
 */
class Http2FloodGuardTest {
  private static final Duration WAIT = Duration.ofSeconds(3);
  static TestHttpServer a;
  static TestProxy strict;
  static TestProxy defaults;

  @BeforeAll
  static void start() throws Exception {
    a = TestHttpServer.start("a", TestHttpServer.Protocol.HTTP1);
    Map<String, Integer> clusters = Map.of("a", a.port(), "b", a.port());
    strict = TestProxy.start(Configs.bootstrap("""
        http2_protocol_options:
          max_inbound_priority_frames_per_stream: 2
          max_inbound_window_update_frames_per_data_frame_sent: 1
          max_outbound_control_frames: 20
        """, Configs.ROUTES, clusters));
    defaults = TestProxy.start(Configs.bootstrap("", Configs.ROUTES, clusters));
  }

  @AfterAll
  static void stop() {
    strict.close();
    defaults.close();
    a.close();
  }

  private static RawH2Connection connect(TestProxy p) throws Exception {
    return RawH2Connection.connect(new InetSocketAddress("127.0.0.1", p.port())).handshake();
  }

  private static byte[] priority(int stream) {
    return RawH2Connection.frame(RawH2Connection.PRIORITY, 0, stream, RawH2Connection.priority(false, 0, 16));
  }

  private static byte[] windowUpdate() {
    return RawH2Connection.frame(RawH2Connection.WINDOW_UPDATE, 0, 0, RawH2Connection.int32(1));
  }

  @Test
  void priorityFramesAboveTheConfiguredBoundCloseTheConnection() throws Exception {
    try (RawH2Connection c = connect(strict)) {
      c.writeRaw(priority(3));
      c.writeRaw(priority(5));
      assertThat(c.ping(WAIT)).as("2 PRIORITY frames = 2 x (1 + 0 streams): still fine").isTrue();
      c.writeRaw(priority(7));
      Outcome o = c.awaitGoawayOrClose(WAIT);
      assertThat(o.connectionError(RawH2Connection.ENHANCE_YOUR_CALM)).as("%s", o).isTrue();
    }
  }

  @Test
  void windowUpdatesAboveTheConfiguredBoundCloseTheConnection() throws Exception {
    try (RawH2Connection c = connect(strict)) {
      c.headers(1, Hpack.request("GET", "/echo/wu", "localhost"), true);
      assertThat(c.awaitStream(1, WAIT).status()).isEqualTo(200);
      // One stream opened: 5 + 2 x (1 + 1 x DATA frames sent) >= 7 frames are allowed.
      for (int i = 0; i < 7; i++) {
        c.writeRaw(windowUpdate());
      }
      assertThat(c.ping(WAIT)).isTrue();
      ByteArrayOutputStream burst = new ByteArrayOutputStream();
      for (int i = 0; i < 20; i++) {
        burst.writeBytes(windowUpdate());
      }
      c.writeRaw(burst.toByteArray());
      Outcome o = c.awaitGoawayOrClose(WAIT);
      assertThat(o.connectionError(RawH2Connection.ENHANCE_YOUR_CALM)).as("%s", o).isTrue();
    }
  }

  @Test
  void pingsAboveTheControlFrameBoundPerSecondCloseTheConnection() throws Exception {
    try (RawH2Connection c = connect(strict)) {
      byte[] ping = RawH2Connection.frame(RawH2Connection.PING, 0, 0, new byte[8]);
      ByteArrayOutputStream burst = new ByteArrayOutputStream();
      for (int i = 0; i < 25; i++) {
        burst.writeBytes(ping);
      }
      c.writeRaw(burst.toByteArray());
      Outcome o = c.awaitGoawayOrClose(WAIT);
      assertThat(o.connectionError(RawH2Connection.ENHANCE_YOUR_CALM)).as("%s", o).isTrue();
    }
  }

  @Test
  void ordinaryTrafficStaysBelowTheDefaults() throws Exception {
    try (RawH2Connection c = connect(defaults)) {
      for (int s = 1; s <= 9; s += 2) {
        c.headers(s, Hpack.request("GET", "/echo/ok" + s, "localhost"), true);
        assertThat(c.awaitStream(s, WAIT).status()).isEqualTo(200);
        c.writeRaw(windowUpdate());
        assertThat(c.ping(WAIT)).isTrue();
      }
      for (int i = 0; i < 500; i++) {
        c.writeRaw(priority(1 + 2 * (i % 5)));
      }
      assertThat(c.ping(WAIT)).as("500 PRIORITY frames for 5 streams: below 100 x (1 + 5)").isTrue();
      c.headers(11, Hpack.request("GET", "/echo/ok11", "localhost"), true);
      assertThat(c.awaitStream(11, WAIT).status()).isEqualTo(200);
    }
  }
}
