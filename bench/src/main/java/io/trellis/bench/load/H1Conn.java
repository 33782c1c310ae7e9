package io.trellis.bench.load;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/** HTTP/1.1 keep-alive: one request at a time per connection, an empty GET, any response body. */
final class H1Conn extends Conn {
  private final HttpHeaders headers;
  private boolean busy;
  private long intended;
  private long actual;
  private int status;

  H1Conn(Engine engine) {
    super(engine);
    headers = new DefaultHttpHeaders()
        .set(HttpHeaderNames.HOST, engine.options.host() + ":" + engine.options.port())
        .set(HttpHeaderNames.USER_AGENT, "trellis-loadgen");
  }

  @Override
  int capacity() {
    return 1;
  }

  @Override
  int inflight() {
    return busy ? 1 : 0;
  }

  @Override
  long oldestSendNanos() {
    return busy ? actual : Long.MAX_VALUE;
  }

  @Override
  void send(long intendedNanos) {
    busy = true;
    intended = intendedNanos;
    actual = System.nanoTime();
    status = 0;
    engine.rec.sent(intended, actual);
    channel.writeAndFlush(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, engine.options.path(),
        Unpooled.EMPTY_BUFFER, headers, EmptyHttpHeaders.INSTANCE));
  }

  @Override
  int abandonAll() {
    int n = busy ? 1 : 0;
    busy = false;
    return n;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpResponse r) {
        status = r.status().code();
      }
      if (msg instanceof LastHttpContent && busy) {
        busy = false;
        long now = System.nanoTime();
        if (status >= 200 && status < 300) {
          engine.rec.ok(intended, actual, now);
        } else {
          engine.rec.non2xx++;
          engine.note("HTTP status " + status);
        }
        engine.released(this);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }
}
