package io.trellis.proxy.listener;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.common.Diagnostic;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.server.Transport;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Binds the configured listeners and runs, for each accepted connection, listener filters, filter chain selection,
 * TLS and the chain's network filters.
 *
 * <p>Every listener is compiled (filter chains, TLS contexts, network filters) before any is bound, so a config error
 * binds nothing. The server channels accept on the worker group and every accepted connection is pinned to one worker
 * loop. Open connections are counted per listener ({@code listener.<address>.downstream_cx_active}) and in total
 * ({@code server.total_connections}) so that a drain can wait for them.
 */
public final class ListenerManager implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ListenerManager.class.getName());

  private final List<Bound> listeners;
  private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
  private final Object drainLock = new Object();

  private record Bound(ListenerConfig config, Channel serverChannel, InetSocketAddress address, ListenerStats stats) {}

  private ListenerManager(List<Bound> listeners) {
    this.listeners = listeners;
  }

  public static ListenerManager start(List<Listener> listeners, FactoryContext context) throws ConfigException {
    List<ListenerConfig> configs = new ArrayList<>();
    List<Diagnostic> problems = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < listeners.size(); i++) {
      String path = "static_resources.listeners[" + i + "]";
      try {
        ListenerConfig c = ListenerConfig.create(listeners.get(i), path, context);
        if (!names.add(c.name())) {
          problems.add(Diagnostic.at(ConfigCode.DUPLICATE_LISTENER.code(), path + ".name", "listener name '" + c.name()
              + "' is used by another listener; names must be unique"));
        }
        configs.add(c);
      } catch (ConfigException e) {
        problems.addAll(e.diagnostics());
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return startCompiled(configs, context);
  }

  /** Binds already compiled listeners (tests build them with their own network filters). */
  static ListenerManager startCompiled(List<ListenerConfig> configs, FactoryContext context) throws ConfigException {
    List<Bound> bound = new ArrayList<>();
    ListenerManager manager = new ListenerManager(bound);
    try {
      for (ListenerConfig c : configs) {
        bound.add(manager.bind(c, context));
      }
    } catch (ConfigException | RuntimeException e) {
      manager.close();
      throw e;
    }
    return manager;
  }

  private Bound bind(ListenerConfig config, FactoryContext context) throws ConfigException {
    ListenerStats[] statsHolder = new ListenerStats[1];
    int limit = config.bufferLimitBytes();
    ServerBootstrap b = new ServerBootstrap()
        .group(context.workers())
        .channel(Transport.serverChannel())
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.SO_BACKLOG, config.backlog())
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(Math.max(1, limit / 2), limit))
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ListenerStats stats = statsHolder[0];
            track(ch, stats);
            ch.pipeline().addLast("listener", new ConnectionSetupHandler(config, stats));
          }
        });
    if (config.reusePort() && Transport.epoll()) {
      b.option(EpollChannelOption.SO_REUSEPORT, true);
    }
    ChannelFuture f = b.bind(config.address()).awaitUninterruptibly();
    if (!f.isSuccess()) {
      Throwable cause = f.cause();
      String why = cause instanceof BindException || String.valueOf(cause.getMessage()).contains("in use")
          ? "address already in use" : String.valueOf(cause.getMessage());
      throw ConfigException.of(ConfigCode.ADDRESS_IN_USE.code(), config.path() + ".address", "listener '" + config.name()
          + "' cannot bind " + hostPort(config.address()) + ": " + why);
    }
    InetSocketAddress actual = (InetSocketAddress) f.channel().localAddress();
    String prefix = "listener." + (config.statPrefix() != null ? config.statPrefix()
        : hostPort(actual).replace(':', '_')) + ".";
    statsHolder[0] = ListenerStats.create(context.stats(), prefix, config.matcher().anyTls());
    LOG.info(() -> "listener '" + config.name() + "' listening on " + hostPort(actual));
    return new Bound(config, f.channel(), actual, statsHolder[0]);
  }

  /** Envoy's address text: 0.0.0.0:10000, [::1]:10000. */
  static String hostPort(InetSocketAddress a) {
    String ip = a.getAddress().getHostAddress();
    int zone = ip.indexOf('%');
    if (zone >= 0) {
      ip = ip.substring(0, zone);
    }
    if (ip.indexOf(':') >= 0) {
      ip = "[" + (ip.equals("0:0:0:0:0:0:0:0") ? "::" : ip.equals("0:0:0:0:0:0:0:1") ? "::1" : ip) + "]";
    }
    return ip + ":" + a.getPort();
  }

  private void track(Channel ch, ListenerStats stats) {
    connections.add(ch);
    stats.cxTotal().inc();
    stats.cxActive().inc();
    stats.totalConnections().inc();
    ch.closeFuture().addListener(f -> {
      stats.cxActive().dec();
      stats.cxDestroy().inc();
      stats.totalConnections().dec();
      connections.remove(ch);
      if (connections.isEmpty()) {
        synchronized (drainLock) {
          drainLock.notifyAll();
        }
      }
    });
  }

  /** Bound address of each listener by name (port 0 resolved). */
  public Map<String, InetSocketAddress> boundAddresses() {
    Map<String, InetSocketAddress> out = new LinkedHashMap<>();
    for (Bound b : listeners) {
      out.put(b.config().name(), b.address());
    }
    return out;
  }

  /** Open downstream connections, all listeners. */
  public int openConnections() {
    return connections.size();
  }

  /** Stops accepting new connections; open connections stay. */
  public void stopListening() {
    List<ChannelFuture> closing = new ArrayList<>();
    for (Bound b : listeners) {
      closing.add(b.serverChannel().close());
    }
    for (ChannelFuture f : closing) {
      if (!f.channel().eventLoop().inEventLoop()) {
        f.awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Waits until no downstream connection is open, or {@code timeout} passes; then closes what is left. Call it off
   * the event loops (the drain thread).
   */
  public void awaitDrained(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (drainLock) {
      while (!connections.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        TimeUnit.NANOSECONDS.timedWait(drainLock, left);
      }
    }
    if (!connections.isEmpty()) {
      LOG.info(() -> "drain time is over; closing " + connections.size() + " open connection(s)");
      closeConnections();
    }
  }

  private void closeConnections() {
    List<ChannelFuture> closing = new ArrayList<>();
    for (Channel ch : connections) {
      closing.add(ch.close());
    }
    for (ChannelFuture f : closing) {
      if (!f.channel().eventLoop().inEventLoop()) {
        f.awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  public void close() {
    stopListening();
    closeConnections();
  }
}
