package io.trellis.proxy.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** Sends one GET through a cluster the way the router does: choose, acquire, write, read, release. */
final class TestClient {
  private TestClient() {}

  /** Status, body and the server that answered; {@code stream} was released when this completes. */
  record Response(int status, String body, String server, String protocol, Host host) {}

  static CompletableFuture<Response> get(Cluster cluster, EventLoop loop, boolean downstreamH2) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    loop.execute(() -> {
      Host host = cluster.chooseHost(loop, LoadBalancerContext.NONE);
      if (host == null) {
        result.completeExceptionally(new IllegalStateException("no host"));
        return;
      }
      send(cluster, loop, host, downstreamH2, result);
    });
    return result;
  }

  static CompletableFuture<Response> get(Cluster cluster, EventLoop loop, Host host, boolean downstreamH2) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    loop.execute(() -> send(cluster, loop, host, downstreamH2, result));
    return result;
  }

  private static void send(Cluster cluster, EventLoop loop, Host host, boolean downstreamH2,
      CompletableFuture<Response> result) {
    cluster.acquireHttpStream(loop, host, downstreamH2).addListener((Future<UpstreamHttpStream> f) -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(f.cause());
        return;
      }
      UpstreamHttpStream stream = f.getNow();
      StringBuilder body = new StringBuilder();
      int[] status = {0};
      String[] server = {null};
      stream.channel().pipeline().addLast("test-client", new SimpleChannelInboundHandler<HttpObject>() {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
          if (msg instanceof HttpResponse r) {
            status[0] = r.status().code();
            server[0] = r.headers().get("x-server");
          }
          if (msg instanceof HttpContent c) {
            body.append(c.content().toString(StandardCharsets.UTF_8));
          }
          if (msg instanceof LastHttpContent) {
            ctx.pipeline().remove(this);
            stream.release(true);
            result.complete(new Response(status[0], body.toString(), server[0], stream.protocol(), host));
          }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
          result.completeExceptionally(new IllegalStateException("upstream closed before the response ended"));
          ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
          result.completeExceptionally(cause);
          stream.release(false);
        }
      });
      DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
      req.headers().set(HttpHeaderNames.HOST, "backend");
      req.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
      stream.channel().writeAndFlush(req).addListener(w -> {
        if (!w.isSuccess()) {
          result.completeExceptionally(w.cause());
          stream.release(false);
        }
      });
    });
  }
}
