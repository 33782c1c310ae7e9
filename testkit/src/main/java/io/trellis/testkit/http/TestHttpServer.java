package io.trellis.testkit.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server for tests on 127.0.0.1, port 0: HTTP/1.1 or h2c with prior knowledge. Every response carries
 * {@code x-server: <name>}; every request is recorded in {@link #requests()}. Behaviour by path:
 *
 * <ul>
 *   <li>{@code /echo...}: 200 at once, then the request body streamed back (with backpressure) and the request's
 *       trailers plus {@code x-body-bytes} as response trailers.
 *   <li>{@code /bytes/N}: N bytes of {@link #patternByte} pattern, Content-Length N, streamed with backpressure.
 *   <li>{@code /delay/MS}: answers after MS milliseconds.
 *   <li>{@code /status/CODE}: that status with a short body.
 *   <li>{@code /trailers}: a gRPC-style response: body "ok" then trailers {@code grpc-status: 0, grpc-message: ok}.
 *   <li>{@code /trailers-only}: headers-only response with {@code grpc-status: 5}.
 *   <li>{@code /reset}: closes the connection (HTTP/1.1) or resets the stream (HTTP/2) without answering.
 *   <li>{@code /partial}: sends headers and 5 bytes of a 100-byte body, then closes / resets.
 *   <li>{@code /garbage}: writes bytes that are not HTTP, then closes (HTTP/1.1 only).
 *   <li>{@code /ws}: with {@code Upgrade: websocket}, answers 101 and echoes raw bytes afterwards (HTTP/1.1 only).
 *   <li>anything else: 200 with body {@code hello from NAME METHOD PATH}.
 * </ul>
 */
public final class TestHttpServer implements AutoCloseable {
  /** Which protocol the server speaks. */
  public enum Protocol { HTTP1, H2C }

  /** What the server received. */
  public record RecordedRequest(String method, String uri, HttpHeaders headers, long bodyBytes,
      HttpHeaders trailers, String protocol) {}

  private final String name;
  private final Protocol protocol;
  private final EventLoopGroup group;
  private final Channel server;
  private final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();
  private final AtomicInteger connections = new AtomicInteger();

  private TestHttpServer(String name, Protocol protocol) throws InterruptedException {
    this.name = name;
    this.protocol = protocol;
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(io.netty.channel.ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            connections.incrementAndGet();
            if (protocol == Protocol.HTTP1) {
              ch.pipeline().addLast("codec", new HttpServerCodec());
              ch.pipeline().addLast(new Exchange(false));
            } else {
              ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build());
              ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel child) {
                  child.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new Exchange(true));
                }
              }));
            }
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
  }

  public static TestHttpServer start(String name, Protocol protocol) {
    try {
      return new TestHttpServer(name, protocol);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public String name() {
    return name;
  }

  public Protocol protocol() {
    return protocol;
  }

  /** Requests received so far, in order. */
  public BlockingQueue<RecordedRequest> requests() {
    return requests;
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** The byte at offset {@code i} of the {@code /bytes/N} body; clients use it to check bodies. */
  public static byte patternByte(long i) {
    return (byte) ((i * 31 + 7) ^ (i >>> 13));
  }

  /** {@code n} pattern bytes from {@code offset}, one array (buffers are written in bulk: cheap under paranoid leak
   * detection, which records every ByteBuf call). */
  public static byte[] pattern(long offset, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = patternByte(offset + i);
    }
    return b;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** One request/response at a time on an HTTP/1.1 connection, or one HTTP/2 stream. */
  private final class Exchange extends ChannelInboundHandlerAdapter {
    private final boolean h2;
    private HttpRequest request;
    private long bodyBytes;
    private boolean echo;
    private boolean tunnel;
    private long toSend;
    private long sent;
    private boolean generating;

    Exchange(boolean h2) {
      this.h2 = h2;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (tunnel) {
        ctx.writeAndFlush(msg);
        return;
      }
      try {
        if (msg instanceof HttpRequest r) {
          request = r;
          bodyBytes = 0;
          echo = r.uri().startsWith("/echo");
          if (echo) {
            HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            resp.headers().set("x-server", name);
            if (h2) {
              resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
            } else {
              HttpUtil.setTransferEncodingChunked(resp, true);
            }
            ctx.writeAndFlush(resp);
          }
        }
        if (msg instanceof HttpContent c) {
          int n = c.content().readableBytes();
          bodyBytes += n;
          boolean last = c instanceof LastHttpContent;
          if (echo) {
            if (last) {
              HttpHeaders trailers = new DefaultHttpHeaders();
              trailers.add(((LastHttpContent) c).trailingHeaders());
              trailers.set("x-body-bytes", Long.toString(bodyBytes));
              ctx.writeAndFlush(new DefaultLastHttpContent(c.content().retain(), trailers));
              record(((LastHttpContent) c).trailingHeaders());
            } else if (n > 0) {
              ctx.writeAndFlush(new DefaultHttpContent(c.content().retain()));
              if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false);
              }
            }
          } else if (last) {
            record(((LastHttpContent) c).trailingHeaders());
            respond(ctx);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void record(HttpHeaders trailers) {
      requests.add(new RecordedRequest(request.method().name(), request.uri(), request.headers(), bodyBytes,
          trailers, h2 ? "HTTP/2" : "HTTP/1.1"));
    }

    private void respond(ChannelHandlerContext ctx) {
      String uri = request.uri();
      boolean close = !h2 && !HttpUtil.isKeepAlive(request);
      if (uri.startsWith("/bytes/")) {
        toSend = Long.parseLong(uri.substring(7).split("\\?")[0]);
        sent = 0;
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set("x-server", name);
        HttpUtil.setContentLength(resp, toSend);
        ctx.write(resp);
        generating = true;
        generate(ctx);
        return;
      }
      if (uri.startsWith("/delay/")) {
        long ms = Long.parseLong(uri.substring(7));
        ctx.executor().schedule(() -> send(ctx, 200, "delayed " + ms, close), ms, TimeUnit.MILLISECONDS);
        return;
      }
      if (uri.startsWith("/status/")) {
        int code = Integer.parseInt(uri.substring(8));
        send(ctx, code, "status " + code, close);
        return;
      }
      if (uri.equals("/trailers")) {
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set("x-server", name).set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
        if (!h2) {
          HttpUtil.setTransferEncodingChunked(resp, true);
        }
        ctx.write(resp);
        ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII)));
        LastHttpContent last = new DefaultLastHttpContent();
        last.trailingHeaders().set("grpc-status", "0").set("grpc-message", "ok");
        ctx.writeAndFlush(last);
        return;
      }
      if (uri.equals("/trailers-only")) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set("x-server", name).set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
            .set("grpc-status", "5").set("grpc-message", "not found");
        if (!h2) {
          HttpUtil.setContentLength(resp, 0);
        }
        ctx.writeAndFlush(resp);
        return;
      }
      if (uri.equals("/reset")) {
        if (h2) {
          ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
        } else {
          ctx.close();
        }
        return;
      }
      if (uri.equals("/partial")) {
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        resp.headers().set("x-server", name);
        HttpUtil.setContentLength(resp, 100);
        ctx.write(resp);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("12345", StandardCharsets.US_ASCII)))
            .addListener(f -> {
              if (h2) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
              } else {
                ctx.close();
              }
            });
        return;
      }
      if (uri.equals("/garbage") && !h2) {
        ChannelPipeline p = ctx.pipeline();
        p.remove("codec");
        ctx.writeAndFlush(Unpooled.copiedBuffer("NOT HTTP AT ALL\r\n\r\n", StandardCharsets.US_ASCII))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      if (uri.equals("/ws") && !h2 && "websocket".equalsIgnoreCase(request.headers().get(HttpHeaderNames.UPGRADE))) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.SWITCHING_PROTOCOLS);
        resp.headers().set(HttpHeaderNames.UPGRADE, "websocket").set(HttpHeaderNames.CONNECTION, "Upgrade")
            .set("x-server", name);
        ctx.writeAndFlush(resp);
        ctx.pipeline().remove("codec");
        tunnel = true;
        return;
      }
      send(ctx, 200, "hello from " + name + " " + request.method() + " " + uri, close);
    }

    private void send(ChannelHandlerContext ctx, int code, String body, boolean close) {
      FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
          Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      resp.headers().set("x-server", name).set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
      HttpUtil.setContentLength(resp, resp.content().readableBytes());
      if (close) {
        resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.writeAndFlush(resp);
      }
    }

    private void generate(ChannelHandlerContext ctx) {
      while (generating && ctx.channel().isWritable()) {
        int n = (int) Math.min(64 * 1024, toSend - sent);
        if (n <= 0) {
          generating = false;
          ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
          return;
        }
        ByteBuf buf = ctx.alloc().buffer(n);
        buf.writeBytes(pattern(sent, n));
        sent += n;
        ctx.writeAndFlush(new DefaultHttpContent(buf));
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        if (generating) {
          generate(ctx);
        }
        if (echo && !ctx.channel().config().isAutoRead()) {
          ctx.channel().config().setAutoRead(true);
        }
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
