package io.trellis.proxy.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.trellis.proxy.network.DownstreamConnection;
import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.stream.ResponseFlag;
import io.trellis.proxy.stream.StreamInfo;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;

/**
 * The first handler of every accepted connection. Runs the listener filters (tls_inspector, http_inspector) on the
 * first bytes, which it keeps (bounded) and replays untouched; picks the filter chain; adds the chain's TLS and, once
 * the handshake is done, its network filters; then removes itself. Lives on the connection's event loop.
 */
final class ConnectionSetupHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(ConnectionSetupHandler.class.getName());
  /** Envoy's tls_inspector reads ClientHellos up to 16 KiB (plus record headers). */
  static final int MAX_CLIENT_HELLO = 16384 + 5 * 4;

  private final ListenerConfig config;
  private final ListenerStats stats;
  private ByteBuf cumulation;
  private ScheduledFuture<?> timeout;
  private boolean inspecting;
  private boolean inputShutdown;
  private boolean tlsDone;
  private boolean httpDone;
  private String transportProtocol = "raw_buffer";
  private String serverName = "";
  private List<String> alpn = List.of();
  private String detectedProtocol = "";

  ConnectionSetupHandler(ListenerConfig config, ListenerStats stats) {
    this.config = config;
    this.stats = stats;
    this.tlsDone = !config.tlsInspector();
    this.httpDone = !config.httpInspector();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.fireChannelActive();
    if (!config.hasListenerFilters()) {
      proceed(ctx);
      return;
    }
    inspecting = true;
    stats.preCxActive().inc();
    if (config.filtersTimeoutMillis() > 0) {
      timeout = ctx.executor().schedule(() -> onTimeout(ctx), config.filtersTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!inspecting || !(msg instanceof ByteBuf in)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
    inspect(ctx, false);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent && inspecting) {
      inputShutdown = true;
      inspect(ctx, true);
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    finishInspecting();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    finishInspecting();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(Level.FINE, "listener " + config.name() + ": connection error before filters were installed", cause);
    ctx.close();
  }

  private void finishInspecting() {
    if (inspecting) {
      inspecting = false;
      stats.preCxActive().dec();
    }
    if (timeout != null) {
      timeout.cancel(false);
      timeout = null;
    }
    if (cumulation != null) {
      cumulation.release();
      cumulation = null;
    }
  }

  /** Runs the listener filters on what has arrived; {@code eof} means no more bytes will come. */
  private void inspect(ChannelHandlerContext ctx, boolean eof) {
    ByteBuf buf = cumulation;
    if (!tlsDone) {
      ClientHello hello = buf == null ? ClientHello.NEED_MORE : ClientHello.parse(buf);
      if (hello.status() == ClientHello.Status.NEED_MORE) {
        if (buf != null && buf.readableBytes() > MAX_CLIENT_HELLO) {
          stats.clientHelloTooLarge().inc();
          ctx.close();
          return;
        }
        if (!eof) {
          return;
        }
        hello = ClientHello.NOT_TLS;
      }
      tlsDone = true;
      if (hello.status() == ClientHello.Status.TLS) {
        stats.tlsFound().inc();
        transportProtocol = "tls";
        serverName = hello.serverName();
        alpn = hello.alpn();
        (serverName.isEmpty() ? stats.sniNotFound() : stats.sniFound()).inc();
        (alpn.isEmpty() ? stats.alpnNotFound() : stats.alpnFound()).inc();
      } else {
        stats.tlsNotFound().inc();
      }
    }
    if (!httpDone) {
      if (transportProtocol.equals("tls")) {
        httpDone = true;
      } else {
        String p = buf == null ? HttpPreface.NEED_MORE : HttpPreface.detect(buf);
        if (p == HttpPreface.NEED_MORE && !eof) {
          return;
        }
        httpDone = true;
        detected(p == null ? "" : p);
      }
    }
    proceed(ctx);
  }

  private void detected(String protocol) {
    switch (protocol) {
      case "http/1.0" -> stats.http10Found().inc();
      case "http/1.1" -> stats.http11Found().inc();
      case "h2c" -> stats.http2Found().inc();
      default -> stats.httpNotFound().inc();
    }
    if (!protocol.isEmpty()) {
      detectedProtocol = protocol;
      alpn = List.of(protocol);
    }
  }

  private void onTimeout(ChannelHandlerContext ctx) {
    timeout = null;
    if (!inspecting) {
      return;
    }
    stats.preCxTimeout().inc();
    if (!config.continueOnTimeout()) {
      ctx.close();
      return;
    }
    if (!tlsDone) {
      tlsDone = true;
      stats.tlsNotFound().inc();
    }
    if (!httpDone) {
      httpDone = true;
      detected("");
    }
    proceed(ctx);
  }

  /** Listener filters are done: pick the chain and hand the connection over. */
  private void proceed(ChannelHandlerContext ctx) {
    Channel ch = ctx.channel();
    InetSocketAddress local = (InetSocketAddress) ch.localAddress();
    ChainConfig chain = config.matcher().select(local.getPort(), serverName, transportProtocol, alpn);
    ByteBuf replay = cumulation;
    cumulation = null;
    finishInspecting();
    if (chain == null) {
      if (replay != null) {
        replay.release();
      }
      stats.noFilterChainMatch().inc();
      logNoChain(ch, local);
      ctx.close();
      return;
    }
    String name = ctx.name();
    if (chain.tls() != null) {
      SslHandler ssl = chain.tls().newHandler(ch);
      ctx.pipeline().addAfter(name, "tls", ssl);
      ctx.pipeline().addAfter("tls", "tls-gate", new TlsGate(chain, ssl, local));
    } else {
      install(ch, chain, new DownstreamConnection(config.name(), local, (InetSocketAddress) ch.remoteAddress(),
          serverName, detectedProtocol, false));
    }
    if (replay != null) {
      if (replay.isReadable()) {
        ctx.fireChannelRead(replay);
        ctx.fireChannelReadComplete();
      } else {
        replay.release();
      }
    }
    if (inputShutdown) {
      if (chain.tls() == null && chain.halfCloseAware()) {
        ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
      } else {
        ctx.close();
      }
    }
    if (ctx.pipeline().context(this) != null) {
      ctx.pipeline().remove(this);
    }
  }

  private void logNoChain(Channel ch, InetSocketAddress local) {
    StreamInfo info = new StreamInfo();
    info.startEpochMillis = System.currentTimeMillis();
    info.startNanos = System.nanoTime();
    info.endNanos = info.startNanos;
    info.downstreamLocalAddress = local;
    info.downstreamRemoteAddress = ch.remoteAddress();
    info.downstreamDirectRemoteAddress = ch.remoteAddress();
    info.requestedServerName = serverName;
    info.setFlag(ResponseFlag.NO_ROUTE_FOUND);
    info.connectionTerminationDetails = "filter_chain_not_found";
    info.failureReason = "no filter chain matched (destination port " + local.getPort() + ", server name '"
        + serverName + "', transport protocol '" + transportProtocol + "', application protocols " + alpn + ")";
    config.accessLog().log(info);
  }

  private void install(Channel ch, ChainConfig chain, DownstreamConnection conn) {
    if (!chain.halfCloseAware()) {
      ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
    }
    for (NetworkFilterFactory f : chain.filters()) {
      f.install(ch, conn);
    }
  }

  /** Waits for the TLS handshake, counts it, and installs the chain's network filters. */
  private final class TlsGate extends ChannelInboundHandlerAdapter {
    private final ChainConfig chain;
    private final SslHandler ssl;
    private final InetSocketAddress local;

    TlsGate(ChainConfig chain, SslHandler ssl, InetSocketAddress local) {
      this.chain = chain;
      this.ssl = ssl;
      this.local = local;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          stats.sslConnectionError().inc();
          if (chain.tls().requireClientCertificate() && String.valueOf(done.cause()).contains("certificate_required")) {
            stats.sslNoCertificate().inc();
          }
          LOG.log(Level.FINE, "listener " + config.name() + ": TLS handshake failed", done.cause());
          ctx.close();
          return;
        }
        stats.sslHandshake().inc();
        String sni = serverName.isEmpty() ? sniOf(ssl.engine().getSession()) : serverName;
        String negotiated = ssl.applicationProtocol();
        Channel ch = ctx.channel();
        install(ch, chain, new DownstreamConnection(config.name(), local, (InetSocketAddress) ch.remoteAddress(),
            sni, negotiated == null ? "" : negotiated, true));
        ctx.pipeline().remove(this);
        return;
      }
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // Handshake failures arrive as the completion event too; count them there.
      LOG.log(Level.FINE, "listener " + config.name() + ": TLS error", cause);
      ctx.close();
    }
  }

  private static String sniOf(SSLSession session) {
    if (session instanceof ExtendedSSLSession ext) {
      try {
        for (SNIServerName n : ext.getRequestedServerNames()) {
          if (n instanceof SNIHostName h) {
            return h.getAsciiName();
          }
        }
      } catch (UnsupportedOperationException e) {
        return "";
      }
    }
    return "";
  }
}
