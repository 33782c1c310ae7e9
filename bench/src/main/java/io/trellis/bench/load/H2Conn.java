package io.trellis.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

/**
 * HTTP/2 over cleartext with prior knowledge, up to M concurrent streams. In gRPC mode each request is a unary POST
 * with a 5-byte-prefixed message and succeeds only with :status 200 and grpc-status 0.
 */
final class H2Conn extends Conn {
  private static final class Stream {
    long intended;
    long actual;
    int status;
    String grpcStatus;
  }

  private final boolean grpc;
  private final Http2Headers headers;
  private final ByteBuf grpcBody;
  private final IntObjectMap<Stream> streams = new IntObjectHashMap<>();
  private Http2ConnectionHandler codec;
  private ChannelHandlerContext ctx;

  H2Conn(Engine engine) {
    super(engine);
    LoadOptions o = engine.options;
    grpc = o.protocol().equals("grpc");
    headers = new DefaultHttp2Headers()
        .method(grpc ? "POST" : "GET").scheme("http").path(o.path()).authority(o.host() + ":" + o.port());
    headers.set("user-agent", "trellis-loadgen");
    if (grpc) {
      headers.set("content-type", "application/grpc");
      headers.set("te", "trailers");
      grpcBody = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(grpcMessage(o.size())));
    } else {
      grpcBody = null;
    }
  }

  /** A gRPC length-prefixed message whose protobuf payload (field 1, bytes) is {@code size} bytes long in total. */
  static byte[] grpcMessage(int size) {
    int payload = Math.max(0, size - 1 - varintLength(size));
    while (payload > 0 && 1 + varintLength(payload) + payload > size) {
      payload--;
    }
    int proto = size <= 0 ? 0 : 1 + varintLength(payload) + payload;
    byte[] b = new byte[5 + proto];
    b[1] = (byte) (proto >>> 24);
    b[2] = (byte) (proto >>> 16);
    b[3] = (byte) (proto >>> 8);
    b[4] = (byte) proto;
    if (proto > 0) {
      int i = 5;
      b[i++] = 0x0a;
      int v = payload;
      while ((v & ~0x7f) != 0) {
        b[i++] = (byte) ((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      b[i++] = (byte) v;
      for (int j = 0; j < payload; j++) {
        b[i++] = (byte) ('a' + j % 26);
      }
    }
    return b;
  }

  private static int varintLength(int v) {
    int n = 1;
    while ((v & ~0x7f) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  /** The HTTP/2 connection handler for this connection; it calls back into this object for every frame read. */
  Http2ConnectionHandler newCodec() {
    return new Http2ConnectionHandlerBuilder()
        .server(false)
        .initialSettings(Http2Settings.defaultSettings().initialWindowSize(1 << 20).pushEnabled(false))
        .frameListener(new Listener())
        .build();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    codec = ctx.pipeline().get(Http2ConnectionHandler.class);
    this.ctx = ctx.pipeline().context(codec);
  }

  @Override
  int capacity() {
    return engine.options.streams();
  }

  @Override
  int inflight() {
    return streams.size();
  }

  @Override
  long oldestSendNanos() {
    long oldest = Long.MAX_VALUE;
    for (Stream s : streams.values()) {
      oldest = Math.min(oldest, s.actual);
    }
    return oldest;
  }

  @Override
  void send(long intendedNanos) {
    Stream s = new Stream();
    s.intended = intendedNanos;
    s.actual = System.nanoTime();
    engine.rec.sent(s.intended, s.actual);
    int id = codec.connection().local().incrementAndGetNextStreamId();
    if (id <= 0 || !codec.connection().local().canOpenStream()) {
      engine.note("cannot open a stream (exhausted ids, GOAWAY or max concurrent streams)");
      engine.rec.resets++;
      engine.released(this);
      return;
    }
    streams.put(id, s);
    codec.encoder().writeHeaders(ctx, id, headers, 0, !grpc, ctx.newPromise()).addListener(f -> {
      if (!f.isSuccess()) {
        engine.note("stream write failed: " + f.cause());
      }
    });
    if (grpc) {
      codec.encoder().writeData(ctx, id, grpcBody.duplicate(), 0, true, ctx.newPromise());
    }
    codec.flush(ctx);
  }

  @Override
  int abandonAll() {
    int n = streams.size();
    streams.clear();
    return n;
  }

  private final class Listener extends Http2FrameAdapter {
    @Override
    public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers h, int padding,
        boolean endOfStream) {
      Stream s = streams.get(streamId);
      if (s == null) {
        return;
      }
      if (s.status == 0 && h.status() != null) {
        s.status = Integer.parseInt(h.status().toString());
      }
      CharSequence gs = h.get("grpc-status");
      if (gs != null) {
        s.grpcStatus = gs.toString();
      }
      if (endOfStream) {
        finish(streamId, s);
      }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext c, int streamId, Http2Headers h, int streamDependency,
        short weight, boolean exclusive, int padding, boolean endOfStream) {
      onHeadersRead(c, streamId, h, padding, endOfStream);
    }

    @Override
    public int onDataRead(ChannelHandlerContext c, int streamId, ByteBuf data, int padding, boolean endOfStream) {
      Stream s = streams.get(streamId);
      if (s != null && endOfStream) {
        finish(streamId, s);
      }
      return data.readableBytes() + padding; // consumed: the codec returns the flow-control window
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext c, int streamId, long errorCode) {
      Stream s = streams.remove(streamId);
      if (s != null) {
        engine.rec.resets++;
        engine.note("stream reset by peer: error code " + errorCode);
        engine.released(H2Conn.this);
      }
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext c, int lastStreamId, long errorCode, ByteBuf debugData) {
      engine.note("GOAWAY from peer: error code " + errorCode);
    }
  }

  private void finish(int id, Stream s) {
    streams.remove(id);
    long now = System.nanoTime();
    if (s.status < 200 || s.status >= 300) {
      engine.rec.non2xx++;
      engine.note("HTTP status " + s.status);
    } else if (grpc && !"0".equals(s.grpcStatus)) {
      engine.rec.grpcErrors++;
      engine.note("grpc-status " + s.grpcStatus);
    } else {
      engine.rec.ok(s.intended, s.actual, now);
    }
    engine.released(this);
  }
}
