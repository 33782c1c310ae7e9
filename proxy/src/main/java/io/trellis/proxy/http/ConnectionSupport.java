package io.trellis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.trellis.proxy.network.DownstreamConnection;
import java.util.List;

/** Installs the codec for a connection (HTTP/1.1, HTTP/2, or detection for AUTO) and handles drain requests. */
final class ConnectionSupport {
  static final String H1_CODEC = "trellis-h1-codec";
  static final String HCM = "trellis-hcm";
  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

  private ConnectionSupport() {}

  static void install(HcmConfig config, Channel ch, DownstreamConnection conn) {
    HcmStats s = config.stats();
    // Small writes (HTTP/1 chunks, HTTP/2 frames) must not wait for the client's delayed ACK (Nagle).
    ch.config().setOption(io.netty.channel.ChannelOption.TCP_NODELAY, true);
    s.cxTotal().inc();
    s.cxActive().inc();
    ch.closeFuture().addListener(f -> {
      s.cxActive().dec();
      s.cxDestroy().inc();
    });
    String alpn = conn.applicationProtocol();
    switch (config.codec()) {
      case HTTP1 -> installHttp1(config, ch, conn);
      case HTTP2 -> installHttp2(config, ch, conn);
      case AUTO -> {
        if (alpn.equals("h2") || alpn.equals("h2c")) {
          installHttp2(config, ch, conn);
        } else if (alpn.equals("http/1.1") || alpn.equals("http/1.0")) {
          installHttp1(config, ch, conn);
        } else {
          ch.pipeline().addLast("trellis-detect", new ProtocolDetector(config, conn));
        }
      }
    }
  }

  /** Called on the channel's loop when the server starts draining. */
  static void startDrain(Channel ch) {
    ChannelHandler h = ch.pipeline().get(HCM);
    if (h instanceof Http1Connection c) {
      c.drain();
    } else if (h instanceof Http2Connection c) {
      c.drain();
    }
  }

  static void installHttp1(HcmConfig config, Channel ch, DownstreamConnection conn) {
    config.stats().cxHttp1Total().inc();
    config.stats().cxHttp1Active().inc();
    ch.closeFuture().addListener(f -> config.stats().cxHttp1Active().dec());
    HttpDecoderConfig dc = new HttpDecoderConfig()
        .setMaxInitialLineLength(config.maxRequestHeadersBytes())
        .setMaxHeaderSize(config.maxRequestHeadersBytes())
        .setMaxChunkSize(64 * 1024)
        .setStrictLineParsing(true)
        .setUseRfc9112TransferEncoding(true)
        .setAllowDuplicateContentLengths(false)
        .setAllowPartialChunks(true)
        .setValidateHeaders(true)
        .setChunkedSupported(true);
    Http1Connection handler = new Http1Connection(config, conn, ch);
    ChannelPipeline p = ch.pipeline();
    p.addLast("trellis-h1-bytes", handler.firstByteWatcher());
    p.addLast(H1_CODEC, new H1ServerCodec(dc));
    p.addLast(HCM, handler);
  }

  static void installHttp2(HcmConfig config, Channel ch, DownstreamConnection conn) {
    config.stats().cxHttp2Total().inc();
    config.stats().cxHttp2Active().inc();
    ch.closeFuture().addListener(f -> config.stats().cxHttp2Active().dec());
    HcmConfig.H2Settings h2 = config.h2();
    Http2Settings settings = Http2Settings.defaultSettings()
        .maxConcurrentStreams(h2.maxConcurrentStreams())
        .initialWindowSize(h2.initialStreamWindow())
        .maxHeaderListSize(config.maxRequestHeadersBytes());
    Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
        .initialSettings(settings)
        .validateHeaders(true)
        .validateRequiredPseudoHeaders(true)
        .encoderEnforceMaxConcurrentStreams(false)
        .encoderEnforceMaxQueuedControlFrames(h2.maxOutboundControlFrames())
        .decoderEnforceMaxConsecutiveEmptyDataFrames(h2.maxConsecutiveEmptyFrames())
        .decoderEnforceMaxRstFramesPerWindow(h2.maxRstFramesPerWindow(), h2.rstWindowSeconds())
        .decoderEnforceMaxSmallContinuationFrames(h2.maxSmallContinuationFrames())
        .gracefulShutdownTimeoutMillis(config.drainTimeoutMillis())
        .build();
    Http2FloodGuard guard = new Http2FloodGuard(config);
    guard.install(codec);
    Http2Connection connection = new Http2Connection(config, conn, ch);
    Http2MultiplexHandler mux = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel child) {
        child.pipeline().addLast(new Http2RequestValidator(config), new H2RequestCodec(),
            new Http2StreamHandler(config, conn, connection, child));
      }
    });
    ChannelPipeline p = ch.pipeline();
    p.addLast("trellis-h2-codec", codec);
    p.addLast("trellis-h2-flood-guard", guard);
    p.addLast("trellis-h2-mux", mux);
    p.addLast(HCM, connection);
  }

  /** AUTO: HTTP/2 when the connection starts with the prior-knowledge preface, else HTTP/1.1. */
  private static final class ProtocolDetector extends ByteToMessageDecoder {
    private final HcmConfig config;
    private final DownstreamConnection conn;

    ProtocolDetector(HcmConfig config, DownstreamConnection conn) {
      this.config = config;
      this.conn = conn;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
      boolean match = n > 0 && io.netty.buffer.ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, n);
      if (match && n < PREFACE.readableBytes()) {
        return;
      }
      if (n == 0) {
        return;
      }
      if (match) {
        installHttp2(config, ctx.channel(), conn);
      } else {
        installHttp1(config, ctx.channel(), conn);
      }
      ctx.pipeline().remove(this);
    }
  }
}
