package io.trellis.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks an HTTP/2 request's header block (RFC 9113 8.2.1, 8.3.1) before Http2StreamFrameToHttpObjectCodec converts
 * it, so a malformed request is reset with PROTOCOL_ERROR without ever being built into an HttpRequest (the codec
 * allocates the request's content before its own validation throws, which leaked it) nor forwarded.
 */
final class Http2RequestValidator extends ChannelInboundHandlerAdapter {
  private final HcmConfig config;
  private boolean headersSeen;
  private boolean rejected;
  /** A head with content-length 0 and no END_STREAM, held until the next frame shows it is not followed by data. */
  private Http2HeadersFrame held;

  Http2RequestValidator(HcmConfig config) {
    this.config = config;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof Http2HeadersFrame frame) {
      boolean first = !headersSeen;
      headersSeen = true;
      if (!valid(frame.headers(), first)) {
        rejected = true;
        ReferenceCountUtil.release(msg);
        config.stats().cxProtocolError().inc();
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR))
            .addListener(f -> ctx.channel().close());
        return;
      }
      if (first && !frame.isEndStream() && "0".contentEquals(frame.headers().get("content-length", ""))) {
        // DATA beyond content-length 0 is a stream error the codec raises before the DATA reaches here: holding the
        // head until the next frame (END_STREAM or trailers) keeps such a request from being forwarded at all.
        held = frame;
        if (config.streamIdleTimeoutMillis() > 0) {
          // A client that sends nothing more gets the request forwarded, and the stream's own timers, after the
          // stream idle timeout.
          ctx.executor().schedule(() -> {
            if (held == frame && ctx.channel().isActive()) {
              held = null;
              ctx.fireChannelRead(frame);
            }
          }, config.streamIdleTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        return;
      }
    }
    if (held != null) {
      Http2HeadersFrame h = held;
      held = null;
      ctx.fireChannelRead(h);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    held = null;
    super.channelInactive(ctx);
  }

  /** The request head (first block) or trailers (later blocks, which must carry no pseudo-header). */
  static boolean valid(Http2Headers headers, boolean request) {
    CharSequence method = null;
    CharSequence path = null;
    CharSequence scheme = null;
    CharSequence authority = null;
    boolean protocol = false;
    for (Map.Entry<CharSequence, CharSequence> e : headers) {
      CharSequence name = e.getKey();
      CharSequence value = e.getValue();
      if (name.length() > 0 && name.charAt(0) == ':') {
        if (!request) {
          return false;
        }
        String n = name.toString();
        switch (n) {
          case ":method" -> method = value;
          case ":path" -> path = value;
          case ":scheme" -> scheme = value;
          case ":authority" -> authority = value;
          case ":protocol" -> protocol = true;
          default -> { }
        }
        continue;
      }
      int len = value.length();
      if (len > 0 && (ws(value.charAt(0)) || ws(value.charAt(len - 1)))) {
        return false; // RFC 9113 8.2.1: a field value must not start or end with whitespace
      }
    }
    if (!request) {
      return true;
    }
    if (method == null || method.isEmpty() || !token(method)) {
      return false;
    }
    if (authority != null && !authority(authority)) {
      return false;
    }
    if ("CONNECT".contentEquals(method) && !protocol) {
      return authority != null && path == null && scheme == null;
    }
    return scheme != null && !scheme.isEmpty() && path != null && !path.isEmpty() && visible(path);
  }

  private static boolean ws(char c) {
    return c == ' ' || c == '\t';
  }

  /** RFC 9110 5.6.2 tchar. */
  private static boolean token(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** No space, CTL, DEL or non-ASCII byte (a request target is visible ASCII). */
  private static boolean visible(CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** RFC 9113 8.3.1: :authority is host[:port] and must not include userinfo. */
  private static boolean authority(CharSequence s) {
    if (s.isEmpty() || !visible(s)) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '@') {
        return false;
      }
    }
    return true;
  }
}
