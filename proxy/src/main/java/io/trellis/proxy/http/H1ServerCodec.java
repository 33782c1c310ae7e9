package io.trellis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
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

  /** Where the decoder is in the byte stream, as far as the raw-line checks below need to know. */
  private enum At { REQUEST_LINE, MESSAGE, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DELIMITER, TRAILERS, FAILED }

  final class Decoder extends HttpRequestDecoder {
    private At at = At.REQUEST_LINE;
    private long chunkRemaining;
    private boolean badRequestLine;
    private boolean lineParsed;

    Decoder(HttpDecoderConfig config) {
      super(config);
    }

    /**
     * Netty's split of the request line and its chunk-size parse are lenient about whitespace (RFC 9112 3: single SP
     * separators; 7.1: chunk-size is 1*HEXDIG): this peeks at those two lines before the decoder reads them, and
     * follows the decoder's output to know where they start.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
      if (at == At.FAILED) {
        in.skipBytes(in.readableBytes());
        return;
      }
      int before = in.readerIndex();
      int lineLength = -1;
      if ((at == At.REQUEST_LINE || at == At.MESSAGE) && obsFold(in, at == At.REQUEST_LINE)) {
        // RFC 9112 5.2 lets a server replace obs-fold with SP, but a proxy that unfolds what its upstream might parse
        // differently invites desync; Trellis answers 400 and closes, as its edge-proxy defaults promise.
        at = At.FAILED;
        in.skipBytes(in.readableBytes());
        HttpMessage bad = createInvalidMessage();
        bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("obs-fold (a header line starting "
            + "with whitespace) is not accepted")));
        out.add(bad);
        return;
      }
      if (at == At.REQUEST_LINE) {
        badRequestLine = badRequestLine(in);
      } else if (at == At.CHUNK_SIZE) {
        int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (lf >= 0) {
          byte first = in.getByte(in.readerIndex());
          if (first == ' ' || first == '\t') {
            at = At.FAILED;
            in.skipBytes(in.readableBytes());
            LastHttpContent bad = new DefaultLastHttpContent();
            bad.setDecoderResult(DecoderResult.failure(
                new IllegalArgumentException("whitespace before the chunk size")));
            out.add(bad);
            return;
          }
          lineLength = lf + 1 - in.readerIndex();
          chunkRemaining = chunkSize(in, in.readerIndex(), lf);
        }
      }
      int outBefore = out.size();
      lineParsed = false;
      super.decode(ctx, in, out);
      badRequestLine = false;
      if (at == At.REQUEST_LINE && lineParsed) {
        at = At.MESSAGE;
      }
      long data = 0;
      for (int i = outBefore; i < out.size(); i++) {
        Object o = out.get(i);
        if (o instanceof DecoderResultProvider p && p.decoderResult().isFailure()) {
          at = At.FAILED;
          return;
        }
        if (o instanceof HttpMessage m) {
          at = HttpUtil.isTransferEncodingChunked(m) ? At.CHUNK_SIZE : At.BODY;
        }
        if (o instanceof LastHttpContent) {
          at = At.REQUEST_LINE;
        } else if (o instanceof HttpContent c) {
          data += c.content().readableBytes();
        }
      }
      int consumed = in.readerIndex() - before;
      if (lineLength > 0 && at == At.CHUNK_SIZE && consumed >= lineLength) {
        // A size this check cannot follow (the decoder accepted what it did not parse): stop following this body.
        at = chunkRemaining == 0 ? At.TRAILERS : chunkRemaining < 0 ? At.BODY : At.CHUNK_DATA;
        consumed -= lineLength;
      }
      if (at == At.CHUNK_DATA) {
        chunkRemaining -= data;
        consumed -= (int) data;
        if (chunkRemaining <= 0) {
          at = At.CHUNK_DELIMITER;
        }
      }
      if (at == At.CHUNK_DELIMITER && consumed >= 2) {
        at = At.CHUNK_SIZE;
      }
    }

    /**
     * Whether a header line in {@code in} starts with SP or HTAB (obs-fold), looking from the first header line up to
     * the empty line that ends the header section. The decoder consumes whole lines only, so in the header section
     * the reader index is always at the start of a line, and a fold is seen whatever the byte split.
     *
     * @param atRequestLine whether {@code in} starts with the request line (skipped first)
     */
    private boolean obsFold(ByteBuf in, boolean atRequestLine) {
      int i = in.readerIndex();
      int end = in.writerIndex();
      if (atRequestLine) {
        while (i < end && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) {
          i++;
        }
        int lf = in.indexOf(i, end, (byte) '\n');
        if (lf < 0) {
          return false;
        }
        i = lf + 1;
      }
      boolean lineStart = true;
      for (; i < end; i++) {
        byte b = in.getByte(i);
        if (lineStart) {
          if (b == ' ' || b == '\t') {
            return true;
          }
          if (b == '\r' || b == '\n') {
            return false; // the empty line: the header section ended without a fold
          }
        }
        lineStart = b == '\n';
      }
      return false;
    }

    /** Whether the complete request line at the start of {@code in} has a doubled, trailing or non-SP separator. */
    private boolean badRequestLine(ByteBuf in) {
      int i = in.readerIndex();
      int end = in.writerIndex();
      while (i < end && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) {
        i++;
      }
      int lf = in.indexOf(i, end, (byte) '\n');
      if (lf < 0) {
        return false;
      }
      int last = lf > i && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
      byte prev = 0;
      for (int j = i; j < last; j++) {
        byte b = in.getByte(j);
        if (b == '\t' || b == 0x0b || b == 0x0c || b == ' ' && (prev == ' ' || j == last - 1)) {
          return true;
        }
        prev = b;
      }
      return false;
    }

    /** The chunk size on the line [from, lf), or -1 when it does not parse (the decoder then rejects it). */
    private static long chunkSize(ByteBuf in, int from, int lf) {
      long size = 0;
      int digits = 0;
      boolean any = false;
      for (int i = from; i < lf; i++) {
        int d = Character.digit(in.getByte(i), 16);
        if (d < 0) {
          break;
        }
        if (size > 0 || d > 0) {
          digits++;
        }
        if (digits > 15) {
          return -1;
        }
        size = size * 16 + d;
        any = true;
      }
      return any ? size : -1;
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
      lineParsed = true;
      if (badRequestLine) {
        throw new IllegalArgumentException("request line separators are not single spaces");
      }
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
