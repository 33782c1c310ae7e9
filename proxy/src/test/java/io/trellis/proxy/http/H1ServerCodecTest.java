package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1 decoder's raw-line checks (single-SP request line, no whitespace before a chunk size) follow the byte
 * stream exactly however it is split: valid pipelined chunked requests whose chunk data starts with whitespace are
 * never rejected, and the invalid lines are, wherever they fall.
 */
class H1ServerCodecTest {
  private static final String VALID = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      + "5\r\n  a b\r\n3;ext=1\r\n \t \r\n10\r\n" + " ".repeat(16) + "\r\n0\r\nX-T:  1\r\n\r\n"
      + "GET /b HTTP/1.1\r\nHost: x\r\nX-A:  two  spaces\r\n\r\n"
      + "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n  \r\n"
      + "POST /d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n \r\n0\r\n\r\n";

  private static EmbeddedChannel channel() {
    return new EmbeddedChannel(new H1ServerCodec(new HttpDecoderConfig().setStrictLineParsing(true)
        .setUseRfc9112TransferEncoding(true).setAllowPartialChunks(true)));
  }

  /** Feeds {@code bytes} in pieces of random sizes (1..max); returns "METHOD uri", "body:<text>", "end", "FAIL". */
  private static List<String> decode(String bytes, long seed, int max) {
    EmbeddedChannel ch = channel();
    Random r = new Random(seed);
    byte[] all = bytes.getBytes(StandardCharsets.ISO_8859_1);
    List<String> events = new ArrayList<>();
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < all.length; ) {
      int n = Math.min(all.length - i, 1 + r.nextInt(max));
      ch.writeInbound(Unpooled.wrappedBuffer(all, i, n));
      i += n;
      HttpObject o;
      while ((o = ch.readInbound()) != null) {
        try {
          if (o.decoderResult().isFailure()) {
            events.add("FAIL");
            continue;
          }
          if (o instanceof HttpRequest req) {
            events.add(req.method() + " " + req.uri());
          }
          if (o instanceof HttpContent c) {
            body.append(c.content().toString(StandardCharsets.ISO_8859_1));
            if (c instanceof LastHttpContent) {
              events.add("body:" + body);
              body.setLength(0);
            }
          }
        } finally {
          ReferenceCountUtil.release(o);
        }
      }
    }
    ch.finishAndReleaseAll();
    return events;
  }

  @Test
  void validPipelinedRequestsSurviveAnySplit() {
    List<String> expected = List.of("POST /a", "body:  a b \t " + " ".repeat(16), "GET /b", "body:", "POST /c",
        "body:  \r\n", "POST /d", "body: ");
    assertThat(decode(VALID, 0, VALID.length())).isEqualTo(expected);
    for (long seed = 1; seed <= 200; seed++) {
      assertThat(decode(VALID, seed, 1 + (int) (seed % 17))).as("seed %d", seed).isEqualTo(expected);
    }
  }

  @Test
  void chunkSizeWithLeadingWhitespaceIsRejectedWherever() {
    for (String bad : List.of(" 5\r\nhello\r\n0\r\n\r\n", "5\r\nhello\r\n\t0\r\n\r\n")) {
      String bytes = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n   \r\n" + bad;
      for (long seed = 0; seed < 30; seed++) {
        List<String> events = decode(bytes, seed, 1 + (int) (seed % 9));
        assertThat(events).as("seed %d: %s", seed, bad).contains("POST /a").endsWith("FAIL")
            .noneMatch(e -> e.startsWith("body:"));
      }
    }
  }

  @Test
  void obsFoldIsRejectedWherever() {
    for (String fold : List.of("X-Fold: one\r\n two\r\n", "X-Fold: one\r\n\ttwo\r\n", "X-A: 1\r\n \r\n")) {
      String bytes = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /fold HTTP/1.1\r\nHost: x\r\n" + fold + "\r\n";
      for (long seed = 0; seed < 30; seed++) {
        assertThat(decode(bytes, seed, 1 + (int) (seed % 9))).as("seed %d: %s", seed, fold)
            .containsExactly("GET /ok", "body:", "FAIL");
      }
    }
    // Whitespace inside values and in bodies is not a fold.
    assertThat(decode("GET /a HTTP/1.1\r\nHost: x\r\nX-A: one  two \r\n\r\n", 0, 1000))
        .containsExactly("GET /a", "body:");
  }

  @Test
  void requestLineSeparatorsMustBeSingleSpaces() {
    for (String line : List.of("GET  /a HTTP/1.1", "GET /a  HTTP/1.1", "GET /a HTTP/1.1 ", "GET\t/a HTTP/1.1")) {
      String bytes = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n" + line + "\r\nHost: x\r\n\r\n";
      for (long seed = 0; seed < 20; seed++) {
        assertThat(decode(bytes, seed, 1 + (int) (seed % 7))).as("seed %d: %s", seed, line)
            .containsExactly("GET /ok", "body:", "FAIL");
      }
    }
  }

  @Test
  void versionAndTargetAreChecked() {
    for (String line : List.of("GET /a http/1.1", "GET /a HTTP/2.0", "GET /a\u0001 HTTP/1.1", "GET /a HTTP/1.1x")) {
      assertThat(decode(line + "\r\nHost: x\r\n\r\n", 0, 1000)).as(line).containsExactly("FAIL");
    }
    assertThat(decode("GET /a HTTP/1.2\r\nHost: x\r\n\r\n", 0, 1000)).containsExactly("GET /a", "body:");
  }
}
