package io.trellis.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.server.Transport;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The open-loop load generator's entry point: connect, warm up, pause until idle (a "false start"), measure, report.
 *
 * <pre>
 * java -cp 'bench/target/lib/*:bench/target/classes' io.trellis.bench.load.LoadGen \
 *     --url http://127.0.0.1:8080/ --rate 1000 --duration 10s --connections 16 --protocol h1 --json out.json
 * </pre>
 *
 * <p>Exit status: 0 for a valid run, 3 for a run that completed but is invalid (see {@code invalid_reasons}), 2 for a
 * usage error, 1 when it could not run at all.
 */
public final class LoadGen {
  /** The achieved rate must be within this fraction of the planned rate for a run to be valid. */
  static final double RATE_TOLERANCE = 0.01;

  private LoadGen() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--serve")) {
      serve();
      return;
    }
    LoadOptions o;
    try {
      o = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("loadgen: " + e.getMessage());
      }
      System.err.print(LoadOptions.USAGE);
      System.exit(2);
      return;
    }
    Map<String, Object> result = run(o);
    if (o.json() != null) {
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      Files.writeString(o.json(), json.writeValueAsString(result));
    }
    System.out.println(oneLine(result));
    System.exit(Boolean.TRUE.equals(result.get("valid")) ? 0 : 3);
  }

  /**
   * Serve mode, for bench/run: one run per line read from stdin (the arguments separated by tabs), one summary line
   * written to stdout when it ends ({@code ERROR ...} when it could not run). Ends at end of input, on a line
   * {@code quit}, or after 100,000 runs. Keeping one JVM for a whole benchmark saves a JVM start per run and keeps the
   * client's own code compiled.
   */
  static void serve() throws IOException, InterruptedException {
    java.io.BufferedReader in = new java.io.BufferedReader(
        new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    for (int i = 0; i < 100_000; i++) {
      String line = in.readLine();
      if (line == null || line.equals("quit")) {
        return;
      }
      String reply;
      try {
        LoadOptions o = LoadOptions.parse(line.split("\t"));
        Map<String, Object> result = run(o);
        if (o.json() != null) {
          Files.writeString(o.json(), json.writeValueAsString(result));
        }
        reply = oneLine(result);
      } catch (RuntimeException e) {
        reply = "ERROR " + e;
      }
      System.out.println(reply.replace('\n', ' '));
      System.out.flush();
    }
  }

  /** Runs the load described by {@code o} and returns the result as a JSON-ready map. */
  public static Map<String, Object> run(LoadOptions o) throws InterruptedException {
    EventLoopGroup group = Transport.newGroup(1, "loadgen");
    Engine engine = new Engine(o, group.next(), ConnFactories.forProtocol(o));
    List<String> invalid = new ArrayList<>();
    Recorder measured = new Recorder();
    List<ProcSample> before = new ArrayList<>();
    List<ProcSample> after = new ArrayList<>();
    long measureStart = 0;
    long measureEnd = 0;
    try {
      try {
        engine.connectAll().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        invalid.add("could not open " + o.connections() + " connections: "
            + (e.getCause() != null ? e.getCause() : e));
        return result(o, engine, measured, invalid, before, after, 0);
      }
      if (!o.warmup().isZero()) {
        long warmCount = (long) Math.floor(o.rate() * o.warmup().toNanos() / 1e9);
        await(engine.startPhase(new Recorder(), System.nanoTime() + 1_000_000, warmCount), o);
      }
      measureStart = System.nanoTime() + 2_000_000;
      for (String w : o.watchPids()) {
        before.add(ProcSample.read(pid(w)));
      }
      long count = o.plannedCount();
      var done = engine.startPhase(measured, measureStart, count);
      measureEnd = measureStart + Math.round(count * 1e9 / o.rate());
      // Sample the watched processes when the schedule ends, not after the drain.
      while (System.nanoTime() < measureEnd && !done.isDone()) {
        LockSupport.parkNanos(Math.min(50_000_000, Math.max(1, measureEnd - System.nanoTime())));
      }
      for (String w : o.watchPids()) {
        after.add(ProcSample.read(pid(w)));
      }
      await(done, o);
      return result(o, engine, measured, invalid, before, after, (measureEnd - measureStart) / 1e9);
    } finally {
      try {
        engine.close().get(5, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // closing is best effort
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
  }

  private static void await(java.util.concurrent.CompletableFuture<Void> phase, LoadOptions o)
      throws InterruptedException {
    long bound = o.duration().plus(o.warmup()).plus(o.timeout()).toSeconds() + 10;
    try {
      phase.get(bound, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("phase did not end within " + bound + " s", e);
    }
  }

  private static long pid(String watch) {
    int eq = watch.indexOf('=');
    return Long.parseLong(eq < 0 ? watch : watch.substring(eq + 1));
  }

  private static String name(String watch) {
    int eq = watch.indexOf('=');
    return eq < 0 ? "pid" + watch : watch.substring(0, eq);
  }

  private static Map<String, Object> result(LoadOptions o, Engine engine, Recorder r, List<String> invalid,
      List<ProcSample> before, List<ProcSample> after, double seconds) throws InterruptedException {
    // Engine state belongs to the event loop: read it there.
    Map<String, Object> m = new LinkedHashMap<>();
    try {
      engine.loop.submit(() -> fill(m, o, engine, r, invalid, before, after, seconds)).get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
    return m;
  }

  private static void fill(Map<String, Object> m, LoadOptions o, Engine engine, Recorder r, List<String> invalid,
      List<ProcSample> before, List<ProcSample> after, double seconds) {
    m.put("tool", "trellis-loadgen");
    m.put("label", o.label());
    m.put("protocol", o.protocol());
    m.put("target", o.host() + ":" + o.port() + (o.protocol().equals("tcp") ? "" : o.path()));
    m.put("schedule", o.jitter() > 0 ? "constant rate, uniform jitter +/-" + o.jitter() + " of the period"
        : "constant rate, no jitter");
    m.put("planned_rate", o.rate());
    m.put("connections", o.connections());
    m.put("streams_per_connection", o.streams());
    m.put("message_bytes", o.protocol().equals("grpc") || o.protocol().equals("tcp") ? o.size() : 0);
    m.put("warmup_s", o.warmup().toNanos() / 1e9);
    m.put("duration_s", seconds);
    long planned = o.plannedCount();
    m.put("planned_requests", planned);
    m.put("sent", r.sent);
    m.put("ok", r.ok);
    double achieved = seconds > 0 ? r.okInWindow / seconds : 0;
    double sentRate = seconds > 0 ? r.sentInWindow / seconds : 0;
    m.put("achieved_rate", Math.round(achieved * 10) / 10.0);
    m.put("sent_rate", Math.round(sentRate * 10) / 10.0);
    Map<String, Object> errors = new LinkedHashMap<>();
    errors.put("non_2xx", r.non2xx);
    errors.put("grpc_status", r.grpcErrors);
    errors.put("resets", r.resets);
    errors.put("timeouts", r.timeouts);
    errors.put("unfinished", r.unfinished);
    errors.put("connect_failures", engine.connectFailures);
    errors.put("total", r.errors() + engine.connectFailures);
    m.put("errors", errors);
    m.put("connections_opened", engine.opened);
    m.put("connections_active_at_end", engine.activeConnections());
    m.put("reconnects", engine.reconnects);
    if (seconds > 0) {
      if (Math.abs(achieved - o.rate()) > RATE_TOLERANCE * o.rate()) {
        invalid.add(String.format("achieved %.1f rps, planned %.1f (tolerance %.0f%%)", achieved, o.rate(),
            RATE_TOLERANCE * 100));
      }
      if (r.ok != planned) {
        invalid.add(r.ok + " of " + planned + " planned requests succeeded");
      }
    }
    if (r.errors() + engine.connectFailures > 0) {
      invalid.add((r.errors() + engine.connectFailures) + " errors");
    }
    if (engine.activeConnections() != o.connections() || engine.reconnects > 0) {
      invalid.add(engine.activeConnections() + " of " + o.connections() + " connections up at the end, "
          + engine.reconnects + " reconnects");
    }
    m.put("valid", invalid.isEmpty());
    m.put("invalid_reasons", invalid);
    m.put("notes", engine.notes());
    Map<String, Object> lat = new LinkedHashMap<>();
    lat.put("intended", Recorder.summary(r.intended));
    lat.put("actual", Recorder.summary(r.actual));
    lat.put("send_lag", Recorder.summary(r.sendLag));
    m.put("latency_us", lat);
    Map<String, Object> hist = new LinkedHashMap<>();
    hist.put("intended", Recorder.encode(r.intended));
    hist.put("actual", Recorder.encode(r.actual));
    m.put("histograms", hist);
    List<Map<String, Object>> procs = new ArrayList<>();
    for (int i = 0; i < before.size() && i < after.size(); i++) {
      ProcSample b = before.get(i);
      ProcSample a = after.get(i);
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", name(o.watchPids().get(i)));
      p.put("pid", a.pid());
      boolean alive = a.ticks() >= 0 && b.ticks() >= 0;
      double cpuSeconds = alive ? (a.ticks() - b.ticks()) / (double) ProcSample.CLOCK_TICKS_PER_SECOND : -1;
      p.put("cpu_s", cpuSeconds);
      p.put("cpu_us_per_request", alive && r.okInWindow > 0 ? Math.round(cpuSeconds * 1e6 / r.okInWindow * 10) / 10.0
          : null);
      p.put("vcpu_per_1000rps", alive && achieved > 0 ? Math.round(cpuSeconds / seconds / achieved * 1000 * 1e4) / 1e4
          : null);
      p.put("vm_rss_kb", a.rssKb());
      p.put("vm_hwm_kb", a.hwmKb());
      procs.add(p);
    }
    m.put("processes", procs);
  }

  static String oneLine(Map<String, Object> m) {
    @SuppressWarnings("unchecked")
    Map<String, Object> lat = (Map<String, Object>) ((Map<String, Object>) m.get("latency_us")).get("intended");
    return String.format("%s %s %s rate=%s achieved=%s ok=%s errors=%s p50=%sus p90=%sus p99=%sus p99.9=%sus "
            + "max=%sus valid=%s %s", m.get("label"), m.get("protocol"), m.get("target"), m.get("planned_rate"),
        m.get("achieved_rate"), m.get("ok"), ((Map<?, ?>) m.get("errors")).get("total"), lat.get("p50"),
        lat.get("p90"), lat.get("p99"), lat.get("p999"), lat.get("max"), m.get("valid"), m.get("invalid_reasons"));
  }

  static void writeJson(java.nio.file.Path path, Object value) throws IOException {
    Files.writeString(path, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
  }
}
