package io.trellis.bench.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;

/**
 * h2c: a plain request gets 200 with the fixed body once its request ends; a gRPC request (content-type
 * application/grpc) gets its length-prefixed message echoed back followed by {@code grpc-status: 0} trailers.
 */
final class H2Handler extends ChannelInboundHandlerAdapter {
  private final ByteBuf body;
  private final IntObjectMap<CompositeByteBuf> grpcBodies = new IntObjectHashMap<>();

  H2Handler(ByteBuf body) {
    this.body = body;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof Http2HeadersFrame h) {
        CharSequence ct = h.headers().get("content-type");
        boolean grpc = ct != null && ct.toString().startsWith("application/grpc");
        if (grpc) {
          grpcBodies.put(h.stream().id(), ctx.alloc().compositeBuffer());
        }
        if (h.isEndStream()) {
          respond(ctx, h.stream());
        }
      } else if (msg instanceof Http2DataFrame d) {
        if (d.initialFlowControlledBytes() > 0) {
          ctx.write(new DefaultHttp2WindowUpdateFrame(d.initialFlowControlledBytes()).stream(d.stream()));
        }
        CompositeByteBuf acc = grpcBodies.get(d.stream().id());
        if (acc != null) {
          acc.addComponent(true, d.content().retain());
        }
        if (d.isEndStream()) {
          respond(ctx, d.stream());
        }
      } else if (msg instanceof Http2ResetFrame r) {
        CompositeByteBuf acc = grpcBodies.remove(r.stream().id());
        if (acc != null) {
          acc.release();
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void respond(ChannelHandlerContext ctx, Http2FrameStream stream) {
    CompositeByteBuf grpcBody = grpcBodies.remove(stream.id());
    Http2Headers headers = new DefaultHttp2Headers().status("200");
    if (grpcBody == null) {
      headers.set("content-type", "text/plain").setInt("content-length", body.readableBytes());
      ctx.write(new DefaultHttp2HeadersFrame(headers, false).stream(stream));
      ctx.write(new DefaultHttp2DataFrame(body.duplicate(), true).stream(stream));
    } else {
      headers.set("content-type", "application/grpc");
      ctx.write(new DefaultHttp2HeadersFrame(headers, false).stream(stream));
      ctx.write(new DefaultHttp2DataFrame(grpcBody, false).stream(stream));
      ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true).stream(stream));
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    for (CompositeByteBuf b : grpcBodies.values()) {
      b.release();
    }
    grpcBodies.clear();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
