package io.trellis.proxy.admin;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.HostHealthStatus;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.ListenerStatus;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.trellis.common.Version;
import io.trellis.proxy.accesslog.AccessLogs;
import io.trellis.proxy.accesslog.Addresses;
import io.trellis.proxy.server.ProxyServer;
import io.trellis.proxy.server.ServerState;
import io.trellis.proxy.stats.Counter;
import io.trellis.proxy.stats.Gauge;
import io.trellis.proxy.stats.StatsQuery;
import io.trellis.proxy.stats.StatsRenderer;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.stats.TagExtractor;
import io.trellis.proxy.upstream.Cluster;
import io.trellis.proxy.upstream.Host;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin endpoints, as Envoy names and formats them. Runs on the admin event loop; every call here only reads the
 * proxy's state or flips volatile flags, and anything that may block (stopping listeners) goes to its own thread.
 */
final class AdminEndpoints {
  private static final Logger LOG = Logger.getLogger(AdminEndpoints.class.getName());

  /** One endpoint: path, help line, and whether it changes state (POST only, as Envoy). */
  record Endpoint(String path, String help, boolean mutating) {}

  static final List<Endpoint> ENDPOINTS = List.of(
      new Endpoint("/", "Admin home page", false),
      new Endpoint("/clusters", "upstream cluster status (?format=json)", false),
      new Endpoint("/config_dump", "dump current Envoy configs (?resource=static_clusters|static_listeners)", false),
      new Endpoint("/drain_listeners", "drain listeners (?graceful: keep accepting for the drain time first)", true),
      new Endpoint("/healthcheck/fail", "cause the server to fail health checks", true),
      new Endpoint("/healthcheck/ok", "cause the server to pass health checks", true),
      new Endpoint("/help", "print out list of admin commands", false),
      new Endpoint("/listeners", "print listener info (?format=json)", false),
      new Endpoint("/logging", "query/change logging levels (?level=debug, ?<logger>=<level>)", true),
      new Endpoint("/memory", "print current allocation/heap usage (JVM heap, non-heap and Netty direct memory)",
          false),
      new Endpoint("/quitquitquit", "drain and exit the server", true),
      new Endpoint("/ready", "print server state, return 200 if LIVE, otherwise return 503", false),
      new Endpoint("/reopen_logs", "reopen access logs", true),
      new Endpoint("/server_info", "print server version/status information", false),
      new Endpoint("/stats", "print server stats (?format=json, ?filter=<regex>, ?usedonly, ?type=Counters|Gauges|"
          + "Histograms)", false),
      new Endpoint("/stats/prometheus", "print server stats in prometheus format (?filter=<regex>, ?usedonly)",
          false));

  private final ProxyServer server;
  private final AdminServer admin;
  private final Timestamp startedAt;
  private final TagExtractor tags = TagExtractor.envoyDefaults();

  AdminEndpoints(ProxyServer server, AdminServer admin) {
    this.server = server;
    this.admin = admin;
    Instant now = Instant.now();
    this.startedAt = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
  }

  AdminResponse handle(HttpMethod method, String uri) {
    QueryStringDecoder q = new QueryStringDecoder(uri);
    String path = q.path();
    Map<String, List<String>> params = q.parameters();
    Optional<Endpoint> endpoint = ENDPOINTS.stream().filter(e -> e.path().equals(path)).findFirst();
    if (endpoint.isEmpty()) {
      return AdminResponse.text(HttpResponseStatus.NOT_FOUND, "invalid path: " + path + "\n" + help());
    }
    boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
    boolean post = method.equals(HttpMethod.POST);
    boolean needsPost = endpoint.get().mutating() && !(path.equals("/logging") && params.isEmpty());
    if (needsPost ? !post : !(get || post)) {
      return AdminResponse.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method " + method + " not allowed for " + path + (needsPost ? ": use POST\n" : ": use GET\n"));
    }
    return switch (path) {
      case "/", "/help" -> AdminResponse.text("admin commands are:\n" + help());
      case "/ready" -> ready();
      case "/server_info" -> AdminResponse.json(ConfigDumps.json(serverInfo()));
      case "/stats" -> stats(params);
      case "/stats/prometheus" -> prometheus(params);
      case "/config_dump" -> configDump(params);
      case "/clusters" -> isJson(params) ? AdminResponse.json(ConfigDumps.json(clustersProto())) : clustersText();
      case "/listeners" -> listeners(params);
      case "/healthcheck/fail" -> {
        server.state().setHealthCheckFailing(true);
        LOG.info("admin: health check set to failing");
        yield AdminResponse.text("OK\n");
      }
      case "/healthcheck/ok" -> {
        server.state().setHealthCheckFailing(false);
        LOG.info("admin: health check set to passing");
        yield AdminResponse.text("OK\n");
      }
      case "/drain_listeners" -> drainListeners(params);
      case "/quitquitquit" -> AdminResponse.text("OK\n").then(() -> {
        LOG.info("admin: /quitquitquit, draining for " + server.drainTime().toMillis() + " ms then exiting");
        server.drainAndStop(server.drainTime());
      });
      case "/logging" -> logging(params);
      case "/memory" -> AdminResponse.json(ConfigDumps.json(memory()));
      case "/reopen_logs" -> {
        AccessLogs.reopenAll();
        yield AdminResponse.text("OK\n");
      }
      default -> AdminResponse.text(HttpResponseStatus.NOT_FOUND, help());
    };
  }

  static String help() {
    StringBuilder sb = new StringBuilder();
    for (Endpoint e : ENDPOINTS) {
      sb.append("  ").append(e.path()).append(": ").append(e.help()).append(e.mutating() ? " (POST)" : "")
          .append('\n');
    }
    return sb.toString();
  }

  /** Envoy's server state: LIVE, or DRAINING while draining or while /healthcheck/fail is in force. */
  static ServerInfo.State serverState(ServerState state) {
    return state.draining() || state.healthCheckFailing() ? ServerInfo.State.DRAINING : ServerInfo.State.LIVE;
  }

  private AdminResponse ready() {
    ServerInfo.State s = serverState(server.state());
    return AdminResponse.text(s == ServerInfo.State.LIVE ? HttpResponseStatus.OK
        : HttpResponseStatus.SERVICE_UNAVAILABLE, s.name() + "\n");
  }

  ServerInfo serverInfo() {
    var o = server.options();
    CommandLineOptions.Builder cli = CommandLineOptions.newBuilder()
        .setConfigPath(o.configPath() == null ? "" : o.configPath().toString())
        .setConcurrency(o.concurrency() > 0 ? o.concurrency() : Runtime.getRuntime().availableProcessors())
        .setDrainTime(Durations.fromMillis(o.drainTime().toMillis()))
        .setServiceNode(o.nodeId() == null ? "" : o.nodeId())
        .setServiceCluster(o.nodeCluster() == null ? "" : o.nodeCluster())
        .setMode(CommandLineOptions.Mode.Serve)
        .setLogLevel(AdminLogging.toEnvoy(AdminLogging.effective(Logger.getLogger(""))));
    if (o.adminPort() != null) {
      cli.setAdminAddressPath("");
    }
    long uptime = server.uptimeSeconds();
    return ServerInfo.newBuilder()
        .setVersion("trellis/" + Version.version() + "/Java-" + Runtime.version().feature())
        .setState(serverState(server.state()))
        .setUptimeCurrentEpoch(Durations.fromSeconds(uptime))
        .setUptimeAllEpochs(Durations.fromSeconds(uptime))
        .setHotRestartVersion("disabled")
        .setCommandLineOptions(cli)
        .setNode(server.bootstrap().getNode())
        .build();
  }

  /**
   * Envoy's Memory proto from the JVM: allocated = heap used, heap_size = heap committed, pageheap_free = committed but
   * unused heap, total_physical_bytes = heap + non-heap committed + Netty's direct memory.
   */
  static io.envoyproxy.envoy.admin.v3.Memory memory() {
    var mx = ManagementFactory.getMemoryMXBean();
    long heapUsed = mx.getHeapMemoryUsage().getUsed();
    long heapCommitted = mx.getHeapMemoryUsage().getCommitted();
    long direct = Math.max(0, io.netty.util.internal.PlatformDependent.usedDirectMemory());
    return io.envoyproxy.envoy.admin.v3.Memory.newBuilder()
        .setAllocated(heapUsed)
        .setHeapSize(heapCommitted)
        .setPageheapFree(Math.max(0, heapCommitted - heapUsed))
        .setTotalPhysicalBytes(heapCommitted + mx.getNonHeapMemoryUsage().getCommitted() + direct)
        .build();
  }

  /** Refreshes the server.* gauges Envoy computes at flush time. */
  private void refreshServerGauges() {
    StatsStore s = server.stats();
    ServerInfo.State state = serverState(server.state());
    s.gauge("server.uptime").set(server.uptimeSeconds());
    s.gauge("server.live").set(state == ServerInfo.State.LIVE ? 1 : 0);
    s.gauge("server.state").set(state.getNumber());
    Runtime rt = Runtime.getRuntime();
    s.gauge("server.memory_allocated").set(rt.totalMemory() - rt.freeMemory());
    s.gauge("server.memory_heap_size").set(rt.totalMemory());
    s.gauge("server.memory_physical_size").set(
        ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted() + rt.totalMemory());
  }

  private AdminResponse stats(Map<String, List<String>> params) {
    StatsQuery query;
    try {
      query = query(params);
    } catch (IllegalArgumentException e) {
      return AdminResponse.text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
    }
    refreshServerGauges();
    String format = first(params, "format");
    if (format == null || format.equals("text")) {
      return AdminResponse.text(StatsRenderer.text(server.stats(), query));
    }
    if (format.equals("json")) {
      return AdminResponse.json(StatsRenderer.json(server.stats(), query));
    }
    if (format.equals("prometheus")) {
      return prometheus(params);
    }
    return AdminResponse.text(HttpResponseStatus.BAD_REQUEST,
        "invalid format '" + format + "' (supported: text, json, prometheus)\n");
  }

  private AdminResponse prometheus(Map<String, List<String>> params) {
    StatsQuery query;
    try {
      query = query(params);
    } catch (IllegalArgumentException e) {
      return AdminResponse.text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n");
    }
    refreshServerGauges();
    return new AdminResponse(HttpResponseStatus.OK, StatsRenderer.PROMETHEUS_CONTENT_TYPE,
        StatsRenderer.prometheus(server.stats(), query, tags), null);
  }

  static StatsQuery query(Map<String, List<String>> params) {
    Pattern filter = null;
    String f = first(params, "filter");
    if (f != null && !f.isEmpty()) {
      try {
        filter = Pattern.compile(f);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("invalid filter regex '" + f + "': " + e.getMessage());
      }
    }
    StatsQuery.Type type = StatsQuery.Type.ALL;
    String t = first(params, "type");
    if (t != null) {
      try {
        type = StatsQuery.Type.valueOf(t.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid type '" + t + "' (supported: All, Counters, Gauges, Histograms)");
      }
    }
    return new StatsQuery(filter, params.containsKey("usedonly"), type);
  }

  private AdminResponse configDump(Map<String, List<String>> params) {
    ConfigDump dump = ConfigDumps.configDump(server.bootstrap(), startedAt);
    String resource = first(params, "resource");
    if (resource != null) {
      Optional<ConfigDump> r = ConfigDumps.resource(dump, resource);
      if (r.isEmpty()) {
        return AdminResponse.text(HttpResponseStatus.NOT_FOUND,
            "no config dump has a repeated field named '" + resource + "' (try static_clusters, static_listeners)\n");
      }
      dump = r.get();
    }
    return AdminResponse.json(ConfigDumps.json(dump));
  }

  private io.envoyproxy.envoy.config.cluster.v3.Cluster clusterConfig(String name) {
    for (var c : server.bootstrap().getStaticResources().getClustersList()) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    return io.envoyproxy.envoy.config.cluster.v3.Cluster.getDefaultInstance();
  }

  private List<Cluster> clusters() {
    List<Cluster> out = new ArrayList<>(server.clusterManager().clusters());
    out.sort(Comparator.comparing(Cluster::name));
    return out;
  }

  private record Threshold(long maxConnections, long maxPendingRequests, long maxRequests, long maxRetries) {}

  private static Threshold threshold(io.envoyproxy.envoy.config.cluster.v3.Cluster c, RoutingPriority p) {
    for (CircuitBreakers.Thresholds t : c.getCircuitBreakers().getThresholdsList()) {
      if (t.getPriority() == p) {
        return new Threshold(t.hasMaxConnections() ? t.getMaxConnections().getValue() : 1024,
            t.hasMaxPendingRequests() ? t.getMaxPendingRequests().getValue() : 1024,
            t.hasMaxRequests() ? t.getMaxRequests().getValue() : 1024,
            t.hasMaxRetries() ? t.getMaxRetries().getValue() : 3);
      }
    }
    return new Threshold(1024, 1024, 1024, 3);
  }

  private record HostStat(String name, boolean gauge, long value) {}

  private static List<HostStat> hostStats(Cluster c, Host h) {
    io.trellis.proxy.upstream.HostStats s = c.hostStats(h);
    return List.of(
        new HostStat("cx_active", true, s.cxActive()),
        new HostStat("cx_connect_fail", false, s.cxConnectFail()),
        new HostStat("cx_total", false, s.cxTotal()),
        new HostStat("rq_active", true, s.rqActive()),
        new HostStat("rq_error", false, s.rqError()),
        new HostStat("rq_success", false, s.rqSuccess()),
        new HostStat("rq_timeout", false, s.rqTimeout()),
        new HostStat("rq_total", false, s.rqTotal()));
  }

  /** Envoy's /clusters text: {@code cluster::host::stat::value} lines. */
  private AdminResponse clustersText() {
    StringBuilder sb = new StringBuilder(1024);
    for (Cluster c : clusters()) {
      String n = c.name();
      var config = clusterConfig(n);
      sb.append(n).append("::observability_name::")
          .append(config.getAltStatName().isEmpty() ? n : config.getAltStatName()).append('\n');
      for (RoutingPriority p : List.of(RoutingPriority.DEFAULT, RoutingPriority.HIGH)) {
        String pn = p == RoutingPriority.DEFAULT ? "default_priority" : "high_priority";
        Threshold t = threshold(config, p);
        sb.append(n).append("::").append(pn).append("::max_connections::").append(t.maxConnections()).append('\n');
        sb.append(n).append("::").append(pn).append("::max_pending_requests::").append(t.maxPendingRequests())
            .append('\n');
        sb.append(n).append("::").append(pn).append("::max_requests::").append(t.maxRequests()).append('\n');
        sb.append(n).append("::").append(pn).append("::max_retries::").append(t.maxRetries()).append('\n');
      }
      sb.append(n).append("::added_via_api::false\n");
      for (Host h : c.hosts()) {
        String prefix = n + "::" + h.addressString() + "::";
        for (HostStat s : hostStats(c, h)) {
          sb.append(prefix).append(s.name()).append("::").append(s.value()).append('\n');
        }
        sb.append(prefix).append("hostname::").append(h.hostname().equals(ipOf(h)) ? "" : h.hostname()).append('\n');
        sb.append(prefix).append("health_flags::healthy\n");
        sb.append(prefix).append("weight::").append(h.weight()).append('\n');
        sb.append(prefix).append("region::").append(h.region()).append('\n');
        sb.append(prefix).append("zone::").append(h.zone()).append('\n');
        sb.append(prefix).append("sub_zone::").append(h.subZone()).append('\n');
        sb.append(prefix).append("canary::false\n");
        sb.append(prefix).append("priority::").append(h.priority()).append('\n');
        sb.append(prefix).append("success_rate::-1\n");
        sb.append(prefix).append("local_origin_success_rate::-1\n");
      }
    }
    return AdminResponse.text(sb.toString());
  }

  private static String ipOf(Host h) {
    return h.address().getAddress() != null ? h.address().getAddress().getHostAddress() : h.address().getHostString();
  }

  Clusters clustersProto() {
    Clusters.Builder out = Clusters.newBuilder();
    for (Cluster c : clusters()) {
      var config = clusterConfig(c.name());
      ClusterStatus.Builder cs = ClusterStatus.newBuilder().setName(c.name()).setAddedViaApi(false)
          .setObservabilityName(config.getAltStatName().isEmpty() ? c.name() : config.getAltStatName());
      CircuitBreakers.Builder cb = CircuitBreakers.newBuilder();
      for (RoutingPriority p : List.of(RoutingPriority.DEFAULT, RoutingPriority.HIGH)) {
        Threshold t = threshold(config, p);
        cb.addThresholds(CircuitBreakers.Thresholds.newBuilder().setPriority(p)
            .setMaxConnections(com.google.protobuf.UInt32Value.of((int) t.maxConnections()))
            .setMaxPendingRequests(com.google.protobuf.UInt32Value.of((int) t.maxPendingRequests()))
            .setMaxRequests(com.google.protobuf.UInt32Value.of((int) t.maxRequests()))
            .setMaxRetries(com.google.protobuf.UInt32Value.of((int) t.maxRetries())));
      }
      cs.setCircuitBreakers(cb);
      for (Host h : c.hosts()) {
        HostStatus.Builder hs = HostStatus.newBuilder()
            .setAddress(address(h.address()))
            .setHealthStatus(HostHealthStatus.newBuilder().setEdsHealthStatus(HealthStatus.HEALTHY))
            .setWeight(h.weight())
            .setHostname(h.hostname().equals(ipOf(h)) ? "" : h.hostname())
            .setPriority(h.priority())
            .setLocality(Locality.newBuilder().setRegion(h.region()).setZone(h.zone()).setSubZone(h.subZone()));
        for (HostStat s : hostStats(c, h)) {
          hs.addStats(SimpleMetric.newBuilder().setName(s.name()).setValue(s.value())
              .setType(s.gauge() ? SimpleMetric.Type.GAUGE : SimpleMetric.Type.COUNTER));
        }
        cs.addHostStatuses(hs);
      }
      out.addClusterStatuses(cs);
    }
    return out.build();
  }

  private static Address address(InetSocketAddress a) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
        .setAddress(Addresses.withoutPort(a)).setPortValue(a.getPort())).build();
  }

  private AdminResponse listeners(Map<String, List<String>> params) {
    Map<String, InetSocketAddress> bound = new java.util.TreeMap<>(server.listenerManager().boundAddresses());
    if (isJson(params)) {
      Listeners.Builder out = Listeners.newBuilder();
      bound.forEach((name, a) -> out.addListenerStatuses(ListenerStatus.newBuilder().setName(name)
          .setLocalAddress(address(a))));
      return AdminResponse.json(ConfigDumps.json(out.build()));
    }
    StringBuilder sb = new StringBuilder();
    bound.forEach((name, a) -> sb.append(name).append("::").append(Addresses.withPort(a)).append('\n'));
    return AdminResponse.text(sb.toString());
  }

  /**
   * Stops accepting on every listener and starts draining (Connection: close / GOAWAY on open connections); the
   * process keeps running, /ready answers DRAINING. With {@code ?graceful} the listeners keep accepting (and telling
   * clients to go away) for the drain time before they close, as Envoy's graceful drain.
   */
  private AdminResponse drainListeners(Map<String, List<String>> params) {
    if (params.containsKey("inboundonly")) {
      return AdminResponse.text(HttpResponseStatus.BAD_REQUEST,
          "inboundonly is not supported: Trellis drains all listeners (omit the parameter)\n");
    }
    boolean graceful = params.containsKey("graceful");
    server.state().startDraining();
    long delayMillis = graceful ? server.drainTime().toMillis() : 0;
    LOG.info("admin: draining listeners" + (graceful ? " gracefully for " + delayMillis + " ms" : ""));
    admin.schedule(delayMillis, () -> Thread.ofVirtual().name("trellis-drain-listeners").start(() -> {
      try {
        server.listenerManager().stopListening();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "stopping listeners failed", e);
      }
    }));
    return AdminResponse.text("OK\n");
  }

  private AdminResponse logging(Map<String, List<String>> params) {
    if (params.isEmpty()) {
      return AdminResponse.text(AdminLogging.list());
    }
    Map<String, Logger> known = AdminLogging.loggers();
    StringBuilder errors = new StringBuilder();
    for (Map.Entry<String, List<String>> e : params.entrySet()) {
      String value = e.getValue().isEmpty() ? "" : e.getValue().get(0);
      Level level = AdminLogging.toJul(value);
      if (level == null) {
        errors.append("invalid level '").append(value).append("' for '").append(e.getKey()).append("' (supported: ")
            .append(String.join(", ", AdminLogging.LEVELS)).append(")\n");
        continue;
      }
      if (e.getKey().equals("level")) {
        AdminLogging.setAll(level);
      } else if (e.getKey().equals("root")) {
        AdminLogging.set(Logger.getLogger(""), level);
      } else if (known.containsKey(e.getKey()) || e.getKey().startsWith("io.trellis")
          || e.getKey().startsWith("io.netty")) {
        AdminLogging.set(Logger.getLogger(e.getKey()), level);
      } else {
        errors.append("unknown logger '").append(e.getKey()).append("'\n");
      }
    }
    if (!errors.isEmpty()) {
      return AdminResponse.text(HttpResponseStatus.BAD_REQUEST, errors + AdminLogging.list());
    }
    return AdminResponse.text(AdminLogging.list());
  }

  private static boolean isJson(Map<String, List<String>> params) {
    return "json".equals(first(params, "format"));
  }

  private static String first(Map<String, List<String>> params, String key) {
    List<String> v = params.get(key);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** Admin's own stats, as Envoy's http.admin.* and listener.admin.*. */
  record OwnStats(Counter rqTotal, Counter rq2xx, Counter rq4xx, Counter rq5xx, Counter cxTotal, Gauge cxActive) {
    static OwnStats of(StatsStore s) {
      return new OwnStats(s.counter("http.admin.downstream_rq_total"), s.counter("http.admin.downstream_rq_2xx"),
          s.counter("http.admin.downstream_rq_4xx"), s.counter("http.admin.downstream_rq_5xx"),
          s.counter("listener.admin.downstream_cx_total"), s.gauge("listener.admin.downstream_cx_active"));
    }

    void response(int code) {
      if (code >= 500) {
        rq5xx.inc();
      } else if (code >= 400) {
        rq4xx.inc();
      } else {
        rq2xx.inc();
      }
    }
  }
}
