package io.trellis.bench.load;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * One client connection of the load generator: a Netty handler that sends requests when the engine gives it one and
 * reports each completion back. Subclasses hold the requests in flight. Event loop only.
 */
abstract class Conn extends ChannelInboundHandlerAdapter {
  final Engine engine;
  Channel channel;
  boolean active;
  boolean dead;

  Conn(Engine engine) {
    this.engine = engine;
  }

  /** How many requests may be in flight on this connection at once. */
  abstract int capacity();

  abstract int inflight();

  /** The actual send time of the oldest request in flight, or Long.MAX_VALUE when there is none. */
  abstract long oldestSendNanos();

  /** Sends one request whose schedule said {@code intendedNanos}. */
  abstract void send(long intendedNanos);

  /** Forgets every request in flight, counting each as a reset (or a timeout), and returns how many there were. */
  abstract int abandonAll();

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    channel = ctx.channel();
    active = true;
    engine.connectionUp(this);
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    active = false;
    engine.connectionLost(this, false);
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    engine.note("connection error: " + cause);
    ctx.close();
  }
}
