package io.trellis.testkit.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Netty HTTP client for tests: HTTP/1.1 on one keep-alive connection (one request at a time), or HTTP/2 with prior
 * knowledge (h2c), one stream per request. Request bodies are streamed with backpressure from the
 * {@link TestHttpServer#patternByte} pattern; response bodies are digested (SHA-256) as they arrive, and only the
 * first 64 KiB are kept.
 */
public final class TestHttpClient implements AutoCloseable {
  private static final int KEEP = 64 * 1024;

  /** What came back. {@code resetOrClosed} is true when the stream was reset or the connection closed early. */
  public record Response(int status, HttpHeaders headers, long bodyBytes, String bodySha256, String bodyPrefix,
      HttpHeaders trailers, boolean resetOrClosed) {

    public String body() {
      return bodyPrefix;
    }
  }

  private final boolean h2;
  private final EventLoopGroup group;
  private final Channel channel;

  private TestHttpClient(int port, boolean h2) throws InterruptedException {
    this.h2 = h2;
    this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    this.channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(io.netty.channel.ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (h2) {
              ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().validateHeaders(false)
                  .encoderIgnoreMaxHeaderListSize(true)
                  .initialSettings(Http2Settings.defaultSettings().initialWindowSize(1024 * 1024)).build());
              ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
            } else {
              ch.pipeline().addLast(new HttpClientCodec());
            }
          }
        })
        .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
  }

  public static TestHttpClient http1(int port) {
    return connect(port, false);
  }

  public static TestHttpClient h2c(int port) {
    return connect(port, true);
  }

  private static TestHttpClient connect(int port, boolean h2) {
    try {
      return new TestHttpClient(port, h2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public Channel channel() {
    return channel;
  }

  /** GET with Host {@code authority}. */
  public Response get(String authority, String path) {
    return send(HttpMethod.GET, authority, path, new DefaultHttpHeaders(), -1, null);
  }

  /**
   * Sends a request and waits up to 60 s for the whole response.
   *
   * @param bodyBytes -1 for no body; otherwise that many pattern bytes, streamed
   * @param trailers request trailers, or null
   */
  public Response send(HttpMethod method, String authority, String path, HttpHeaders headers, long bodyBytes,
      HttpHeaders trailers) {
    try {
      return sendAsync(method, authority, path, headers, bodyBytes, trailers).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("request " + method + " " + path + " failed: " + e, e);
    }
  }

  public CompletableFuture<Response> sendAsync(HttpMethod method, String authority, String path,
      HttpHeaders headers, long bodyBytes, HttpHeaders trailers) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, path);
    req.headers().set(HttpHeaderNames.HOST, authority);
    req.headers().add(headers);
    if (bodyBytes >= 0 && !req.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      HttpUtil.setTransferEncodingChunked(req, true);
    }
    Collector collector = new Collector(result, req, bodyBytes, trailers);
    channel.eventLoop().execute(() -> {
      if (h2) {
        new Http2StreamChannelBootstrap(channel).handler(new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false), collector);
          }
        }).open().addListener(f -> {
          if (!f.isSuccess()) {
            result.completeExceptionally(f.cause());
          }
        });
      } else {
        if (channel.pipeline().get("collector") != null) {
          channel.pipeline().remove("collector");
        }
        channel.pipeline().addLast("collector", collector);
        collector.start(channel);
      }
    });
    return result;
  }

  /**
   * HTTP/2 only: sends {@code headers} as given (no validation, so malformed ones go out), then {@code data} (may be
   * null) with END_STREAM, and tells what came back: {@code "reset:<error>"}, {@code "status:<code>"} or
   * {@code "closed"}.
   */
  public String rawH2(io.netty.handler.codec.http2.Http2Headers headers, byte[] data) {
    CompletableFuture<String> out = new CompletableFuture<>();
    channel.eventLoop().execute(() -> new Http2StreamChannelBootstrap(channel)
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelActive(ChannelHandlerContext ctx) {
            ctx.write(new io.netty.handler.codec.http2.DefaultHttp2HeadersFrame(headers, data == null));
            if (data != null) {
              ctx.write(new io.netty.handler.codec.http2.DefaultHttp2DataFrame(Unpooled.wrappedBuffer(data), true));
            }
            ctx.flush();
          }

          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof io.netty.handler.codec.http2.Http2HeadersFrame h && h.headers().status() != null) {
              out.complete("status:" + h.headers().status());
            }
            ReferenceCountUtil.release(msg);
          }

          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame r) {
              out.complete("reset:" + io.netty.handler.codec.http2.Http2Error.valueOf(r.errorCode()));
            }
            ReferenceCountUtil.release(evt);
          }

          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            out.complete("closed");
          }
        }).open());
    try {
      return out.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return "timeout";
    }
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Writes one request (streaming its body) and collects its response. */
  private static final class Collector extends ChannelInboundHandlerAdapter {
    private final CompletableFuture<Response> result;
    private final HttpRequest request;
    private final long bodyBytes;
    private final HttpHeaders trailers;
    private final MessageDigest digest;
    private final ByteArrayOutputStream prefix = new ByteArrayOutputStream();
    private Channel ch;
    private long written;
    private boolean writing;
    private HttpResponse response;
    private long received;

    Collector(CompletableFuture<Response> result, HttpRequest request, long bodyBytes, HttpHeaders trailers) {
      this.result = result;
      this.request = request;
      this.bodyBytes = bodyBytes;
      this.trailers = trailers;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (ctx.channel() instanceof Http2StreamChannel) {
        start(ctx.channel());
      }
    }

    void start(Channel channel) {
      this.ch = channel;
      if (bodyBytes < 0) {
        LastHttpContent last = new DefaultLastHttpContent();
        if (trailers != null) {
          last.trailingHeaders().add(trailers);
        }
        if (ch instanceof Http2StreamChannel && trailers == null) {
          ch.writeAndFlush(new io.netty.handler.codec.http.DefaultFullHttpRequest(request.protocolVersion(),
              request.method(), request.uri(), Unpooled.EMPTY_BUFFER, request.headers(),
              new DefaultHttpHeaders()));
        } else {
          ch.write(request);
          ch.writeAndFlush(last);
        }
        return;
      }
      ch.writeAndFlush(request);
      writing = true;
      pump();
    }

    private void pump() {
      while (writing && ch.isWritable()) {
        int n = (int) Math.min(32 * 1024, bodyBytes - written);
        if (n <= 0) {
          writing = false;
          LastHttpContent last = new DefaultLastHttpContent();
          if (trailers != null) {
            last.trailingHeaders().add(trailers);
          }
          ch.writeAndFlush(last);
          return;
        }
        ByteBuf buf = ch.alloc().buffer(n);
        buf.writeBytes(TestHttpServer.pattern(written, n));
        written += n;
        ch.writeAndFlush(new DefaultHttpContent(buf));
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        pump();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpResponse r) {
          if (r.status().code() == 100) {
            return;
          }
          response = r;
        }
        if (msg instanceof HttpContent c && response != null) {
          ByteBuf b = c.content();
          int n = b.readableBytes();
          byte[] bytes = new byte[n];
          b.getBytes(b.readerIndex(), bytes);
          digest.update(bytes);
          if (prefix.size() < KEEP) {
            prefix.write(bytes, 0, Math.min(n, KEEP - prefix.size()));
          }
          received += n;
          if (c instanceof LastHttpContent last) {
            complete(last.trailingHeaders(), false);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Http2ResetFrame) {
        fail();
      }
      ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail();
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail();
    }

    private void fail() {
      complete(new DefaultHttpHeaders(), true);
    }

    private void complete(HttpHeaders responseTrailers, boolean reset) {
      if (result.isDone()) {
        return;
      }
      writing = false;
      result.complete(new Response(response == null ? 0 : response.status().code(),
          response == null ? new DefaultHttpHeaders() : response.headers(), received,
          HexFormat.of().formatHex(digest.digest()), prefix.toString(StandardCharsets.UTF_8),
          responseTrailers, reset));
    }
  }

  /** SHA-256 of the first {@code n} pattern bytes, for comparing streamed bodies. */
  public static String patternSha256(long n) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] chunk = new byte[64 * 1024];
      long done = 0;
      while (done < n) {
        int len = (int) Math.min(chunk.length, n - done);
        for (int i = 0; i < len; i++) {
          chunk[i] = TestHttpServer.patternByte(done + i);
        }
        d.update(chunk, 0, len);
        done += len;
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
