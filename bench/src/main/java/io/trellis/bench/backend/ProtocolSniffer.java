package io.trellis.bench.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import java.util.List;

/** Looks at the first bytes of a connection: the HTTP/2 client preface selects h2c, anything else HTTP/1.1. */
final class ProtocolSniffer extends ByteToMessageDecoder {
  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
  private final ByteBuf body;

  ProtocolSniffer(ByteBuf body) {
    this.body = body;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
    boolean prefix = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n);
    if (prefix && n < PREFACE.readableBytes()) {
      return; // could still be h2: wait for more bytes
    }
    if (prefix) {
      ctx.pipeline().addAfter(ctx.name(), "h2", new H2Handler(body));
      ctx.pipeline().addAfter(ctx.name(), "h2codec", Http2FrameCodecBuilder.forServer().build());
    } else {
      ctx.pipeline().addAfter(ctx.name(), "h1", new H1Handler(body));
      ctx.pipeline().addAfter(ctx.name(), "h1codec", new HttpServerCodec());
    }
    ctx.pipeline().remove(this); // hands the bytes read so far to the new codec
  }
}
