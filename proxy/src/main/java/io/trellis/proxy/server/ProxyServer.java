package io.trellis.proxy.server;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.netty.channel.EventLoopGroup;
import io.trellis.common.ConfigException;
import io.trellis.proxy.admin.AdminServer;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.config.BootstrapValidator;
import io.trellis.proxy.listener.ListenerManager;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.upstream.DefaultClusterManager;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The composition root of one proxy process: loads and validates the bootstrap, creates the worker event loops, the
 * clusters, the listeners and the admin server, and owns the order in which they start, drain and stop.
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ProxyServer.class.getName());

  private final Bootstrap bootstrap;
  private final ProxyOptions options;
  private final StatsStore stats;
  private final EventLoopGroup workers;
  private final ServerState state;
  private final ExecutorService blocking;
  private DefaultClusterManager clusterManager;
  private FactoryContext factoryContext;
  private ListenerManager listenerManager;
  private AdminServer admin;
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  // Separate from state.draining(): /drain_listeners drains without stopping, and a later stop must still happen.
  private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
  private final long startNanos = System.nanoTime();

  private ProxyServer(Bootstrap bootstrap, ProxyOptions options) throws ConfigException {
    this.bootstrap = bootstrap;
    this.options = options;
    this.stats = new StatsStore();
    this.state = new ServerState();
    int threads = options.concurrency() > 0 ? options.concurrency() : Runtime.getRuntime().availableProcessors();
    this.workers = Transport.newGroup(threads, "trellis-worker");
    this.blocking = Executors.newVirtualThreadPerTaskExecutor();
    boolean ok = false;
    try {
      this.clusterManager = DefaultClusterManager.create(
          bootstrap.getStaticResources().getClustersList(), stats, workers, blocking);
      this.factoryContext = new FactoryContext(stats, clusterManager, workers, state, blocking, bootstrap.getNode());
      this.listenerManager = ListenerManager.start(bootstrap.getStaticResources().getListenersList(), factoryContext);
      this.admin = bootstrap.hasAdmin() || options.adminPort() != null
          ? AdminServer.start(bootstrap.getAdmin(), options.adminPort(), this) : null;
      ok = true;
    } finally {
      if (!ok) {
        shutdownResources();
      }
    }
    stats.gauge("server.state").set(0);
    stats.gauge("server.concurrency").set(threads);
    listenerManager.boundAddresses().forEach((name, addr) ->
        LOG.info(() -> "listener '" + name + "' bound to " + hostPort(addr)));
    if (admin != null && admin.address() != null) {
      LOG.info(() -> "admin bound to " + hostPort(admin.address()));
    }
    LOG.info(() -> "trellis proxy started (" + Transport.name() + ", " + threads + " workers) in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) + " ms");
  }

  /** host:port with IPv6 in brackets; the form the startup log lines use (tests parse them). */
  public static String hostPort(InetSocketAddress a) {
    String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
  }

  /** Loads, validates and starts the bootstrap at {@code options.configPath()}. */
  public static ProxyServer start(ProxyOptions options) throws ConfigException {
    Bootstrap loaded = BootstrapLoader.load(options.configPath());
    Bootstrap bootstrap = applyOverrides(loaded, options);
    BootstrapValidator.validate(bootstrap, options.configPath().toString());
    return new ProxyServer(bootstrap, options);
  }

  /** Starts an already-validated bootstrap (tests, and later xDS-driven startup). */
  public static ProxyServer start(Bootstrap bootstrap, ProxyOptions options) throws ConfigException {
    return new ProxyServer(applyOverrides(bootstrap, options), options);
  }

  static Bootstrap applyOverrides(Bootstrap bootstrap, ProxyOptions options) {
    Node.Builder node = bootstrap.getNode().toBuilder();
    if (options.nodeId() != null) {
      node.setId(options.nodeId());
    }
    if (options.nodeCluster() != null) {
      node.setCluster(options.nodeCluster());
    }
    return bootstrap.toBuilder().setNode(node).build();
  }

  public Bootstrap bootstrap() {
    return bootstrap;
  }

  public StatsStore stats() {
    return stats;
  }

  public ServerState state() {
    return state;
  }

  public DefaultClusterManager clusterManager() {
    return clusterManager;
  }

  public ListenerManager listenerManager() {
    return listenerManager;
  }

  public FactoryContext factoryContext() {
    return factoryContext;
  }

  /** The admin server's bound address, or null when there is no admin server. */
  public InetSocketAddress adminAddress() {
    return admin == null ? null : admin.address();
  }

  public long uptimeSeconds() {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
  }

  /**
   * Drains and stops: stops accepting, tells clients to go away (Connection: close, GOAWAY), waits for in-flight
   * streams up to {@code drainTime}, then closes everything. Safe to call more than once and from any thread.
   */
  public CompletableFuture<Void> drainAndStop(Duration drainTime) {
    if (stopping.compareAndSet(false, true)) {
      state.startDraining();
      stats.gauge("server.state").set(1);
      Thread.ofVirtual().name("trellis-drain").start(() -> {
        try {
          listenerManager.stopListening();
          listenerManager.awaitDrained(drainTime);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          shutdownResources();
          terminated.complete(null);
        }
      });
    }
    return terminated;
  }

  /** How the proxy was started (command line flags), for /server_info. */
  public ProxyOptions options() {
    return options;
  }

  public Duration drainTime() {
    return options.drainTime();
  }

  /** Blocks until the proxy has stopped. */
  public void awaitTermination() throws InterruptedException {
    try {
      terminated.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    drainAndStop(Duration.ZERO).join();
  }

  private void shutdownResources() {
    if (admin != null) {
      admin.close();
    }
    if (listenerManager != null) {
      listenerManager.close();
    }
    if (clusterManager != null) {
      clusterManager.close();
    }
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    blocking.shutdownNow();
  }
}
