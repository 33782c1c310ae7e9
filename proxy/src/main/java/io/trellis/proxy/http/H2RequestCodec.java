package io.trellis.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/**
 * Netty's server-side frame-to-HttpObject conversion, with the request's {@code :method} and {@code :path} checked
 * first, and bodiless requests (HEADERS with END_STREAM) converted as a head plus an empty last content: Netty's
 * full-request conversion allocates the body buffer before it validates the headers, and leaks it when they are
 * invalid. A bad value becomes a stream error (RST_STREAM PROTOCOL_ERROR) and nothing is allocated.
 */
final class H2RequestCodec extends Http2StreamFrameToHttpObjectCodec {
  H2RequestCodec() {
    super(true, true);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, Http2StreamFrame frame, java.util.List<Object> out)
      throws Exception {
    if (frame instanceof Http2HeadersFrame hf && hf.headers().status() == null) {
      Http2Headers h = hf.headers();
      CharSequence method = h.method();
      CharSequence path = h.path();
      if (method != null || path != null) {
        if (method == null || !isToken(method) || path == null || path.isEmpty()) {
          throw Http2Exception.streamError(hf.stream() == null ? 0 : hf.stream().id(), Http2Error.PROTOCOL_ERROR,
              "invalid :method or :path");
        }
      }
    }
    if (frame instanceof Http2HeadersFrame hf && hf.isEndStream() && hf.headers().status() == null
        && hf.headers().method() != null) {
      // A request without body: convert the head as a non-final one (no buffer allocated) and end it here.
      int before = out.size();
      super.decode(ctx, new DefaultHttp2HeadersFrame(hf.headers(), false).stream(hf.stream()), out);
      for (int i = before; i < out.size(); i++) {
        if (out.get(i) instanceof HttpRequest r) {
          r.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        }
      }
      out.add(LastHttpContent.EMPTY_LAST_CONTENT);
      return;
    }
    super.decode(ctx, frame, out);
  }

  private static boolean isToken(CharSequence s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
