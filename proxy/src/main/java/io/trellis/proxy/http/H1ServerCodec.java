package io.trellis.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Netty's HTTP/1.1 server decoder and encoder, with one stricter rule than {@code HttpServerCodec}: a request with
 * both Content-Length and Transfer-Encoding is a decoding failure (answered 400 and closed) instead of being
 * processed by Transfer-Encoding alone (RFC 9112 §6.3 allows either; rejecting removes the smuggling surface). The
 * encoder knows which responses answer HEAD requests, as {@code HttpServerCodec} does.
 */
final class H1ServerCodec extends CombinedChannelDuplexHandler<H1ServerCodec.Decoder, H1ServerCodec.Encoder> {
  private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>();

  H1ServerCodec(HttpDecoderConfig config) {
    init(new Decoder(config), new Encoder());
  }

  final class Decoder extends HttpRequestDecoder {
    Decoder(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
      // RFC 9112 2.3: HTTP-version is case-sensitive "HTTP/" DIGIT "." DIGIT, and only 1.x is HTTP/1 (Netty's parse
      // upper-cases it and accepts any major version). RFC 9112 3.2: no CTL in the request-target.
      String version = initialLine[2];
      if (version.length() != 8 || !version.startsWith("HTTP/1.") || version.charAt(7) < '0'
          || version.charAt(7) > '9') {
        throw new IllegalArgumentException("unsupported HTTP version in the request line");
      }
      String target = initialLine[1];
      for (int i = 0; i < target.length(); i++) {
        char c = target.charAt(i);
        if (c < 0x21 || c == 0x7f) {
          throw new IllegalArgumentException("invalid character in the request target");
        }
      }
      HttpMessage m = super.createMessage(initialLine);
      methods.add(((HttpRequest) m).method());
      return m;
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      throw new IllegalArgumentException("request has both Content-Length and Transfer-Encoding");
    }
  }

  final class Encoder extends HttpResponseEncoder {
    private HttpMethod method;

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
      if (msg instanceof HttpResponse r && (r.status().code() >= 200 || r.status().code() == 101)) {
        method = methods.poll();
      }
      super.encode(ctx, msg, out);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
      return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
  }
}
