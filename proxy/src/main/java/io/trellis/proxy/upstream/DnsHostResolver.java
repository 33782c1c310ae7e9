package io.trellis.proxy.upstream;

import io.envoyproxy.envoy.config.cluster.v3.Cluster.DnsLookupFamily;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.trellis.proxy.server.Transport;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Asynchronous name resolution for DNS clusters on one event loop: Netty's DNS resolver (system resolv.conf and
 * /etc/hosts, or the cluster's own resolvers), no cache (every refresh asks the server, as Envoy's c-ares does), and a
 * fallback to the JDK resolver on the blocking executor for names the DNS resolver cannot answer. Results are filtered
 * by {@code dns_lookup_family} and come back on the resolver's loop.
 */
final class DnsHostResolver implements AutoCloseable {
  /** Addresses and the TTL to wait before asking again (-1 when unknown). */
  record Result(List<InetAddress> addresses, long ttlSeconds) {}

  private final EventLoop loop;
  private final DnsNameResolver resolver;
  private final DnsLookupFamily family;
  private final Executor blocking;
  private final boolean wantTtl;

  DnsHostResolver(EventLoop loop, List<InetSocketAddress> servers, boolean useTcp, DnsLookupFamily family,
      boolean wantTtl, long queryTimeoutMillis, Executor blocking) {
    this.loop = loop;
    this.family = family;
    this.blocking = blocking;
    this.wantTtl = wantTtl;
    DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
        .datagramChannelType(Transport.epoll() ? EpollDatagramChannel.class : NioDatagramChannel.class)
        .resolveCache(NoopDnsCache.INSTANCE)
        .cnameCache(NoopDnsCnameCache.INSTANCE)
        .queryTimeoutMillis(queryTimeoutMillis)
        .resolvedAddressTypes(switch (family) {
          case V4_ONLY -> ResolvedAddressTypes.IPV4_ONLY;
          case V6_ONLY -> ResolvedAddressTypes.IPV6_ONLY;
          case V4_PREFERRED -> ResolvedAddressTypes.IPV4_PREFERRED;
          default -> ResolvedAddressTypes.IPV6_PREFERRED;
        })
        .nameServerProvider(servers.isEmpty() ? DnsServerAddressStreamProviders.platformDefault()
            : new SequentialDnsServerAddressStreamProvider(servers));
    if (useTcp) {
      b.socketChannelType(Transport.socketChannel(), true);
    } else {
      b.socketChannelType(Transport.socketChannel());
    }
    this.resolver = b.build();
  }

  EventLoop loop() {
    return loop;
  }

  /** Resolves {@code name}; must be called on {@link #loop()}. The future completes on the loop. */
  Future<Result> resolve(String name) {
    Promise<Result> promise = loop.newPromise();
    if (ClusterConfig.isIp(name)) {
      promise.setSuccess(new Result(List.of(InetAddress.ofLiteral(name)), -1));
      return promise;
    }
    if (wantTtl) {
      resolveWithTtl(name, promise);
    } else {
      resolveAddresses(name, promise);
    }
    return promise;
  }

  private void resolveAddresses(String name, Promise<Result> promise) {
    resolver.resolveAll(name).addListener((Future<List<InetAddress>> f) -> {
      List<InetAddress> got = f.isSuccess() ? filter(f.getNow()) : List.of();
      if (!got.isEmpty()) {
        promise.trySuccess(new Result(got, -1));
      } else {
        jdkFallback(name, promise, f.cause());
      }
    });
  }

  /** Raw A/AAAA queries so the answer's TTL is known (respect_dns_ttl); falls back to the address path. */
  private void resolveWithTtl(String name, Promise<Result> promise) {
    List<DnsRecordType> types = switch (family) {
      case V4_ONLY -> List.of(DnsRecordType.A);
      case V6_ONLY -> List.of(DnsRecordType.AAAA);
      case V4_PREFERRED -> List.of(DnsRecordType.A, DnsRecordType.AAAA);
      default -> List.of(DnsRecordType.AAAA, DnsRecordType.A);
    };
    List<InetAddress> all = new ArrayList<>();
    long[] ttl = {Long.MAX_VALUE};
    queryTypes(name, types, 0, all, ttl, promise);
  }

  private void queryTypes(String name, List<DnsRecordType> types, int i, List<InetAddress> acc, long[] ttl,
      Promise<Result> promise) {
    if (i == types.size() || (!acc.isEmpty() && family != DnsLookupFamily.ALL)) {
      if (acc.isEmpty()) {
        resolveAddresses(name, promise);
      } else {
        promise.trySuccess(new Result(List.copyOf(acc), ttl[0] == Long.MAX_VALUE ? -1 : ttl[0]));
      }
      return;
    }
    resolver.resolveAll(new DefaultDnsQuestion(name, types.get(i))).addListener((Future<List<DnsRecord>> f) -> {
      if (f.isSuccess()) {
        for (DnsRecord r : f.getNow()) {
          try {
            if (r instanceof DnsRawRecord raw
                && (r.type() == DnsRecordType.A || r.type() == DnsRecordType.AAAA)) {
              ByteBuf content = raw.content();
              acc.add(InetAddress.getByAddress(name, ByteBufUtil.getBytes(content)));
              ttl[0] = Math.min(ttl[0], r.timeToLive());
            }
          } catch (UnknownHostException ignored) {
            // a malformed address record: skip it
          } finally {
            ReferenceCountUtil.release(r);
          }
        }
      }
      queryTypes(name, types, i + 1, acc, ttl, promise);
    });
  }

  private void jdkFallback(String name, Promise<Result> promise, Throwable dnsCause) {
    try {
      blocking.execute(() -> {
        try {
          List<InetAddress> got = filter(List.of(InetAddress.getAllByName(name)));
          loop.execute(() -> {
            if (got.isEmpty()) {
              promise.tryFailure(new UnknownHostException(name + ": no address of the wanted family (" + family + ")"));
            } else {
              promise.trySuccess(new Result(got, -1));
            }
          });
        } catch (UnknownHostException | RuntimeException e) {
          if (dnsCause != null) {
            e.addSuppressed(dnsCause);
          }
          loop.execute(() -> promise.tryFailure(e));
        }
      });
    } catch (RejectedExecutionException e) {
      promise.tryFailure(dnsCause != null ? dnsCause : e);
    }
  }

  /** Applies dns_lookup_family to a mixed list. */
  List<InetAddress> filter(List<InetAddress> in) {
    List<InetAddress> v4 = in.stream().filter(a -> a instanceof Inet4Address).toList();
    List<InetAddress> v6 = in.stream().filter(a -> a instanceof Inet6Address).toList();
    return switch (family) {
      case V4_ONLY -> v4;
      case V6_ONLY -> v6;
      case V4_PREFERRED -> v4.isEmpty() ? v6 : v4;
      case ALL -> in;
      default -> v6.isEmpty() ? v4 : v6; // AUTO: IPv6 first, IPv4 when there is no IPv6
    };
  }

  @Override
  public void close() {
    resolver.close();
  }
}
