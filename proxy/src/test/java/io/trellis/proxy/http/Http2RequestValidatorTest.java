package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/** RFC 9113 8.2.1 / 8.3.1 request-head checks done before the HTTP/2 to HTTP/1 conversion. */
class Http2RequestValidatorTest {
  private static Http2Headers get() {
    return new DefaultHttp2Headers(false).method("GET").scheme("http").path("/a?b=c").authority("host:8080")
        .add("x-a", "v  v");
  }

  private static Http2Headers without(String name) {
    Http2Headers h = get();
    h.remove(name);
    return h;
  }

  @Test
  void wellFormedRequestsPass() {
    assertThat(Http2RequestValidator.valid(get(), true)).isTrue();
    assertThat(Http2RequestValidator.valid(get().authority("[::1]:80"), true)).isTrue();
    assertThat(Http2RequestValidator.valid(new DefaultHttp2Headers(false).method("CONNECT").authority("h:443"), true))
        .isTrue();
    assertThat(Http2RequestValidator.valid(new DefaultHttp2Headers(false).add("grpc-status", "0"), false)).isTrue();
  }

  @Test
  void malformedRequestsFail() {
    assertThat(Http2RequestValidator.valid(without(":path"), true)).as("no :path").isFalse();
    assertThat(Http2RequestValidator.valid(get().path(""), true)).as("empty :path").isFalse();
    assertThat(Http2RequestValidator.valid(without(":method"), true)).as("no :method").isFalse();
    assertThat(Http2RequestValidator.valid(without(":scheme"), true)).as("no :scheme").isFalse();
    assertThat(Http2RequestValidator.valid(get().path("/a b"), true)).as("space in :path").isFalse();
    assertThat(Http2RequestValidator.valid(get().path("/a\r\nX: y"), true)).as("CRLF in :path").isFalse();
    assertThat(Http2RequestValidator.valid(get().method("GE T"), true)).as("space in :method").isFalse();
    assertThat(Http2RequestValidator.valid(get().method("GET\r\n"), true)).as("CRLF in :method").isFalse();
    assertThat(Http2RequestValidator.valid(get().authority("user@host"), true)).as("userinfo").isFalse();
    assertThat(Http2RequestValidator.valid(get().add("x-b", " lead"), true)).as("leading ws").isFalse();
    assertThat(Http2RequestValidator.valid(get().add("x-b", "trail\t"), true)).as("trailing ws").isFalse();
    assertThat(Http2RequestValidator.valid(new DefaultHttp2Headers(false).method("CONNECT").authority("h:443")
        .path("/"), true)).as("CONNECT with :path").isFalse();
    assertThat(Http2RequestValidator.valid(new DefaultHttp2Headers(false).path("/x"), false)).as("pseudo in trailers")
        .isFalse();
  }
}
