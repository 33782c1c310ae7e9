package io.trellis.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

/** TCP ping-pong: sends a fixed-size message and waits for the same number of bytes to come back. */
final class TcpConn extends Conn {
  private final ByteBuf message;
  private boolean busy;
  private long intended;
  private long actual;
  private long received;

  TcpConn(Engine engine) {
    super(engine);
    byte[] bytes = new byte[Math.max(1, engine.options.size())];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    message = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes));
  }

  @Override
  int capacity() {
    return 1;
  }

  @Override
  int inflight() {
    return busy ? 1 : 0;
  }

  @Override
  long oldestSendNanos() {
    return busy ? actual : Long.MAX_VALUE;
  }

  @Override
  void send(long intendedNanos) {
    busy = true;
    intended = intendedNanos;
    actual = System.nanoTime();
    received = 0;
    engine.rec.sent(intended, actual);
    channel.writeAndFlush(message.duplicate());
  }

  @Override
  int abandonAll() {
    int n = busy ? 1 : 0;
    busy = false;
    return n;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      received += buf.readableBytes();
      if (busy && received >= message.capacity()) {
        if (received > message.capacity()) {
          engine.note("echo returned more bytes than sent");
        }
        busy = false;
        engine.rec.ok(intended, actual, System.nanoTime());
        engine.released(this);
      }
    } finally {
      buf.release();
    }
  }
}
