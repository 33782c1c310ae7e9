package io.trellis.bench.load;

import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import java.util.function.Function;

/** Chooses the connection kind and its pipeline for a protocol. */
final class ConnFactories {
  private ConnFactories() {}

  static Function<Engine, Conn> forProtocol(LoadOptions o) {
    return switch (o.protocol()) {
      case "h1" -> H1Conn::new;
      case "h2", "grpc" -> H2Conn::new;
      case "tcp" -> TcpConn::new;
      default -> throw new IllegalArgumentException(o.protocol());
    };
  }

  static void initPipeline(Engine engine, SocketChannel ch, Conn conn) {
    switch (conn) {
      case H1Conn h1 -> ch.pipeline().addLast(new HttpClientCodec(), h1);
      case H2Conn h2 -> ch.pipeline().addLast(h2.newCodec(), h2);
      case TcpConn tcp -> ch.pipeline().addLast(tcp);
      default -> throw new IllegalStateException(conn.getClass().getName());
    }
  }
}
