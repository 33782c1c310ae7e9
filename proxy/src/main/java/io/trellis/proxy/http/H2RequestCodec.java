package io.trellis.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/**
 * Netty's server-side frame-to-HttpObject conversion, with bodiless requests (HEADERS with END_STREAM) converted as a
 * head plus an empty last content: Netty's full-request conversion allocates the body buffer before it validates the
 * headers, and leaks it when they are invalid. The request head itself was already checked by
 * {@link Http2RequestValidator}, which runs first in every stream's pipeline.
 */
final class H2RequestCodec extends Http2StreamFrameToHttpObjectCodec {
  H2RequestCodec() {
    super(true, true);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, Http2StreamFrame frame, java.util.List<Object> out)
      throws Exception {
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
}
