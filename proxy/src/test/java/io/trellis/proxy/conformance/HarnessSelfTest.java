package io.trellis.proxy.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.conformance.RawHttp1Client;
import io.trellis.testkit.conformance.RawHttp1Client.Exchange;
import io.trellis.testkit.conformance.RecordingUpstream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The suites' oracle, checked without a proxy: the raw client talks straight to {@link RecordingUpstream}, whose
 * strict parser must flag exactly what the suites rely on it to flag, and whose answers the client must parse.
 */
class HarnessSelfTest {
  private RecordingUpstream upstream;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    upstream = RecordingUpstream.start();
    address = new InetSocketAddress("127.0.0.1", upstream.port());
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  private Exchange send(String bytes, boolean... head) throws Exception {
    try (RawHttp1Client c = RawHttp1Client.connect(address)) {
      c.send(bytes);
      return c.readAll(Duration.ofSeconds(2), head);
    }
  }

  @Test
  void cleanPipelineIsParsedAndAnsweredInOrder() throws Exception {
    Exchange ex = send("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\n\r\n"
        + "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\nGET /chunked/c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        false, true, false);
    assertThat(ex.responses()).extracting(RawHttp1Client.Response::upstreamTarget)
        .containsExactly("/a", "/b", "/chunked/c");
    assertThat(ex.responses().get(2).bodyText()).isEqualTo("hello");
    assertThat(ex.closed()).isTrue();
    List<RecordingUpstream.Request> seen = upstream.requests();
    assertThat(seen).hasSize(3).allMatch(r -> r.anomalies().isEmpty() && r.complete());
    assertThat(seen.get(0).bodyText()).isEqualTo("abc");
  }

  @Test
  void ambiguousFramingIsFlaggedRejectedAndClosed() throws Exception {
    for (String framing : List.of("Content-Length: 5\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: gzip", "Content-Length: 5\r\nContent-Length: 6", "Content-Length: +5",
        "Transfer-Encoding\u000b: chunked", "X: a\nTransfer-Encoding: chunked")) {
      upstream.clear();
      Exchange ex = send("POST /x HTTP/1.1\r\nHost: h\r\n" + framing + "\r\n\r\nhello");
      assertThat(ex.firstStatus()).as(framing).isEqualTo(400);
      assertThat(ex.closed()).as(framing).isTrue();
      assertThat(upstream.requests()).as(framing).singleElement()
          .satisfies(r -> assertThat(r.anomalies()).isNotEmpty());
    }
  }

  @Test
  void badChunkIsRecordedAsIncomplete() throws Exception {
    Exchange ex = send("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n");
    assertThat(ex.firstStatus()).isEqualTo(400);
    assertThat(upstream.requests()).singleElement()
        .satisfies(r -> assertThat(r.complete()).isFalse())
        .satisfies(r -> assertThat(r.anomalies()).contains("chunk-missing-crlf"));
  }

  @Test
  void statusTargetsAnswerWithoutBodies() throws Exception {
    Exchange ex = send("GET /status/204 HTTP/1.1\r\nHost: h\r\n\r\nGET /status/304 HTTP/1.1\r\nHost: h\r\n\r\n"
        + "GET /z HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    assertThat(ex.responses()).extracting(RawHttp1Client.Response::status).containsExactly(204, 304, 200);
    assertThat(ex.garbage()).isEmpty();
  }

  @Test
  void h2cUpgradeCountsATunnelWhenThePrefaceFollows() throws Exception {
    try (RawHttp1Client c = RawHttp1Client.connect(address)) {
      c.send("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
          + "Connection: Upgrade, HTTP2-Settings\r\n\r\n");
      assertThat(c.readOne(Duration.ofSeconds(2), false).status()).isEqualTo(101);
      c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    }
    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> upstream.tunnels() == 1);
    assertThat(upstream.upgradesAnswered()).isEqualTo(1);
  }

  @Test
  void smugglingGeneratorCoversTheCatalogue() {
    List<H1SmugglingTest.Vector> vectors = H1SmugglingTest.vectors();
    assertThat(vectors).hasSize(200);
    assertThat(vectors.stream().filter(v -> v.family().equals("generated"))).hasSize(130);
    assertThat(vectors).extracting(H1SmugglingTest.Vector::id).doesNotHaveDuplicates();
    assertThat(vectors).allMatch(v -> v.bytes().contains("/smuggled/" + v.id() + "/")
        && v.bytes().contains("/probe/" + v.id() + "/"));
  }
}
