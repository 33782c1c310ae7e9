package io.trellis.proxy.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process authoritative DNS server on a UDP port 0 of 127.0.0.1, built from Netty's codec-dns. Tests set the
 * A/AAAA answers per name and change them while a cluster refreshes; unknown names get NXDOMAIN.
 */
final class TestDnsServer implements AutoCloseable {
  private final Map<String, List<InetAddress>> answers = new ConcurrentHashMap<>();
  final AtomicInteger queries = new AtomicInteger();
  volatile long ttlSeconds = 30;
  private final Channel channel;

  TestDnsServer(EventLoopGroup group) {
    channel = new Bootstrap().group(group).channel(io.trellis.proxy.server.Transport.epoll()
            ? io.netty.channel.epoll.EpollDatagramChannel.class : NioDatagramChannel.class)
        .handler(new ChannelInitializer<DatagramChannel>() {
          @Override
          protected void initChannel(DatagramChannel ch) {
            ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery q) {
                    answer(ctx, q);
                  }
                });
          }
        }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
  }

  int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  void set(String name, String... ips) {
    answers.put(name.toLowerCase(Locale.ROOT), java.util.Arrays.stream(ips).map(InetAddress::ofLiteral).toList());
  }

  private void answer(ChannelHandlerContext ctx, DatagramDnsQuery q) {
    queries.incrementAndGet();
    DnsQuestion question = q.recordAt(DnsSection.QUESTION);
    String name = question.name().toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    DatagramDnsResponse r = new DatagramDnsResponse(q.recipient(), q.sender(), q.id());
    r.setAuthoritativeAnswer(true);
    r.setRecursionAvailable(true);
    r.addRecord(DnsSection.QUESTION, question);
    List<InetAddress> ips = answers.get(name);
    if (ips == null) {
      r.setCode(DnsResponseCode.NXDOMAIN);
    } else {
      for (InetAddress ip : ips) {
        boolean v4 = ip.getAddress().length == 4;
        if ((v4 && question.type() == DnsRecordType.A) || (!v4 && question.type() == DnsRecordType.AAAA)) {
          r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), question.type(), ttlSeconds,
              Unpooled.wrappedBuffer(ip.getAddress())));
        }
      }
    }
    ctx.writeAndFlush(r);
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}
