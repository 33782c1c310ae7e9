package io.trellis.proxy.upstream;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.trellis.proxy.server.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Real HTTP/1.1 and HTTP/2 test upstreams on 127.0.0.1 port 0 that count the connections they accept. */
final class TestServers {
  private TestServers() {}

  /** A running upstream. Responses carry the server's id as body and in {@code x-server}. */
  static final class Server implements AutoCloseable {
    final String id;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final List<Channel> connections = new CopyOnWriteArrayList<>();
    final Queue<String> sniSeen = new ConcurrentLinkedQueue<>();
    final Queue<String> alpnSeen = new ConcurrentLinkedQueue<>();
    /** When set, requests are held (not answered) and handed to this hook instead. */
    volatile Consumer<Held> hold;
    Channel serverChannel;

    Server(String id) {
      this.id = id;
    }

    int port() {
      return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
      serverChannel.close().syncUninterruptibly();
      connections.forEach(Channel::close);
    }
  }

  /** A request held by the server; {@link #respond()} answers it. */
  record Held(ChannelHandlerContext ctx, Server server, Channel connection) {
    void respond() {
      ctx.executor().execute(() -> ctx.writeAndFlush(response(server)));
    }
  }

  static FullHttpResponse response(Server s) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.copiedBuffer(s.id, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
    r.headers().set("x-server", s.id);
    return r;
  }

  private static final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Server server;
    private final Channel connection;

    Responder(Server server, Channel connection) {
      this.server = server;
      this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      server.requests.incrementAndGet();
      Consumer<Held> h = server.hold;
      if (h != null) {
        h.accept(new Held(ctx, server, connection));
      } else {
        ctx.writeAndFlush(response(server));
      }
    }
  }

  static Server http1(EventLoopGroup group, String id, SslContext tls) {
    return http1(group, id, tls, "127.0.0.1", 0);
  }

  /** An HTTP/1.1 server on {@code ip:port} (another loopback address, the same port as another server...). */
  static Server http1(EventLoopGroup group, String id, SslContext tls, String ip, int port) {
    Server s = new Server(id);
    s.serverChannel = new ServerBootstrap().group(group).channel(Transport.serverChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            s.accepted.incrementAndGet();
            s.connections.add(ch);
            if (tls != null) {
              ch.pipeline().addLast(tlsHandler(s, tls, ch));
            }
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Responder(s, ch));
          }
        }).bind(ip, port).syncUninterruptibly().channel();
    return s;
  }

  /** HTTP/2 (h2c prior knowledge, or h2 over TLS) with the given SETTINGS_MAX_CONCURRENT_STREAMS (0: unset). */
  static Server http2(EventLoopGroup group, String id, long maxConcurrentStreams, SslContext tls) {
    Server s = new Server(id);
    s.serverChannel = new ServerBootstrap().group(group).channel(Transport.serverChannel())
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            s.accepted.incrementAndGet();
            s.connections.add(ch);
            if (tls != null) {
              ch.pipeline().addLast(tlsHandler(s, tls, ch));
            }
            Http2Settings settings = Http2Settings.defaultSettings();
            if (maxConcurrentStreams > 0) {
              settings.maxConcurrentStreams(maxConcurrentStreams);
            }
            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().initialSettings(settings).build());
            ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new HttpObjectAggregator(1 << 20),
                    new Responder(s, ch));
              }
            }));
          }
        }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    return s;
  }

  private static SslHandler tlsHandler(Server s, SslContext tls, Channel ch) {
    SslHandler h = tls.newHandler(ch.alloc());
    h.handshakeFuture().addListener(f -> {
      if (f.isSuccess()) {
        var session = h.engine().getSession();
        if (session instanceof javax.net.ssl.ExtendedSSLSession ext) {
          for (var name : ext.getRequestedServerNames()) {
            if (name instanceof javax.net.ssl.SNIHostName host) {
              s.sniSeen.add(host.getAsciiName());
            }
          }
        }
        s.alpnSeen.add(String.valueOf(h.applicationProtocol()));
      }
    });
    return h;
  }
}
