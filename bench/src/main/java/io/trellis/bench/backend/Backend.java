package io.trellis.bench.backend;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.trellis.proxy.server.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The benchmark backend process.
 *
 * <pre>
 * java -cp 'bench/target/lib/*:bench/target/classes' io.trellis.bench.backend.Backend \
 *     [--http-port 0] [--tcp-port 0] [--body-bytes 1024] [--threads 1] [--port-file ports.txt]
 * </pre>
 *
 * <p>The HTTP port answers HTTP/1.1 and h2c with prior knowledge: any request gets 200 with a fixed body; a request
 * with {@code content-type: application/grpc} gets its message echoed back with {@code grpc-status: 0}. The TCP port
 * echoes bytes. Port 0 picks a free port; the chosen ports are printed as {@code http=P tcp=Q} and written to the
 * port file. Runs until killed.
 */
public final class Backend {
  private Backend() {}

  public static void main(String[] args) throws Exception {
    int httpPort = 0;
    int tcpPort = 0;
    int bodyBytes = 1024;
    int threads = 1;
    Path portFile = null;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--http-port" -> httpPort = Integer.parseInt(args[i + 1]);
        case "--tcp-port" -> tcpPort = Integer.parseInt(args[i + 1]);
        case "--body-bytes" -> bodyBytes = Integer.parseInt(args[i + 1]);
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        case "--port-file" -> portFile = Path.of(args[i + 1]);
        default -> {
          System.err.println("backend: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    byte[] bytes = new byte[bodyBytes];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bodyBytes).writeBytes(bytes));
    EventLoopGroup group = Transport.newGroup(threads, "backend");
    Channel http = new ServerBootstrap().group(group).channel(Transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new ProtocolSniffer(body));
          }
        }).bind("127.0.0.1", httpPort).sync().channel();
    Channel tcp = new ServerBootstrap().group(group).channel(Transport.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new EchoHandler());
          }
        }).bind("127.0.0.1", tcpPort).sync().channel();
    String ports = "http=" + ((InetSocketAddress) http.localAddress()).getPort()
        + " tcp=" + ((InetSocketAddress) tcp.localAddress()).getPort();
    if (portFile != null) {
      Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
      Files.writeString(tmp, ports + "\n");
      Files.move(tmp, portFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    System.out.println(ports);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      http.close();
      tcp.close();
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      stopped.countDown();
    }));
    stopped.await();
  }
}
