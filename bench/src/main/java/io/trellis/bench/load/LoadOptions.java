package io.trellis.bench.load;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one load generator run does. Parsed from {@code --name value} pairs; see {@link #USAGE}.
 *
 * @param host the target host (must be a loopback address)
 * @param port the target port
 * @param path the request path (HTTP) or the gRPC method path
 * @param protocol h1, h2, grpc or tcp
 * @param rate planned requests per second
 * @param duration the measured phase
 * @param warmup the warm-up phase before it (same rate, histograms discarded, then a pause until idle)
 * @param connections connections to open and keep open
 * @param streams concurrent streams per connection (h2 and grpc; 1 for h1 and tcp)
 * @param jitter uniform jitter of each intended send time, as a fraction of the period, in [0, 0.5]
 * @param maxCount upper bound on measured requests (0: rate x duration)
 * @param timeout per-request timeout
 * @param size gRPC request message size, or TCP message size, in bytes
 * @param json where to write the result, or null
 * @param watchPids processes whose CPU and memory are sampled over the measured phase (name=pid)
 * @param label a free-form label copied into the result
 */
public record LoadOptions(String host, int port, String path, String protocol, double rate, Duration duration,
    Duration warmup, int connections, int streams, double jitter, long maxCount, Duration timeout, int size,
    Path json, List<String> watchPids, String label) {

  public static final String USAGE = """
      usage: LoadGen --url http://127.0.0.1:PORT/path --rate RPS --duration 10s [options]
        --protocol h1|h2|grpc|tcp   (default h1; tcp takes tcp://127.0.0.1:PORT)
        --connections N             keep-alive connections (default 16)
        --streams M                 concurrent streams per connection for h2/grpc (default 1)
        --warmup 5s                 warm-up at the same rate, discarded, then a pause until idle (default 0s)
        --jitter F                  uniform jitter of each send time, fraction of the period, 0..0.5 (default 0)
        --count N                   at most N measured requests (default rate x duration)
        --timeout 5s                per-request timeout (default 5s)
        --size B                    gRPC message or TCP message bytes (default 1024 grpc, 64 tcp)
        --watch name=pid[,..]       sample /proc/<pid> CPU and memory over the measured phase
        --json out.json             write the result as JSON
        --label text                copied into the result
      """;

  public LoadOptions {
    if (!List.of("h1", "h2", "grpc", "tcp").contains(protocol)) {
      throw new IllegalArgumentException("--protocol must be h1, h2, grpc or tcp, not " + protocol);
    }
    if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("::1")) {
      throw new IllegalArgumentException("the load generator only targets loopback, not " + host);
    }
    if (!(rate > 0) || rate > 1_000_000) {
      throw new IllegalArgumentException("--rate must be in (0, 1000000], not " + rate);
    }
    if (duration.isZero() || duration.isNegative() || duration.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("--duration must be in (0, 1h], not " + duration);
    }
    if (warmup.isNegative() || warmup.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("--warmup must be in [0, 10m], not " + warmup);
    }
    if (connections < 1 || connections > 10_000) {
      throw new IllegalArgumentException("--connections must be in [1, 10000], not " + connections);
    }
    if (streams < 1 || streams > 1000 || (streams > 1 && (protocol.equals("h1") || protocol.equals("tcp")))) {
      throw new IllegalArgumentException("--streams must be in [1, 1000], and 1 for h1 and tcp, not " + streams);
    }
    if (jitter < 0 || jitter > 0.5) {
      throw new IllegalArgumentException("--jitter must be in [0, 0.5], not " + jitter);
    }
    if (maxCount < 0) {
      throw new IllegalArgumentException("--count must be >= 0");
    }
    if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("--timeout must be in (0, 1m], not " + timeout);
    }
    if (size < 0 || size > 16 << 20) {
      throw new IllegalArgumentException("--size must be in [0, 16 MiB], not " + size);
    }
    watchPids = List.copyOf(watchPids);
  }

  /** Requests in the measured phase. */
  public long plannedCount() {
    long byRate = (long) Math.floor(rate * duration.toNanos() / 1e9);
    return maxCount > 0 ? Math.min(maxCount, byRate) : byRate;
  }

  public static LoadOptions parse(String[] args) {
    String url = null;
    String protocol = "h1";
    double rate = 0;
    Duration duration = null;
    Duration warmup = Duration.ZERO;
    int connections = 16;
    int streams = 1;
    double jitter = 0;
    long count = 0;
    Duration timeout = Duration.ofSeconds(5);
    Integer size = null;
    Path json = null;
    List<String> watch = new ArrayList<>();
    String label = "";
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        throw new IllegalArgumentException("");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + a);
      }
      String v = args[++i];
      switch (a) {
        case "--url" -> url = v;
        case "--protocol" -> protocol = v.toLowerCase(Locale.ROOT);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--duration" -> duration = parseDuration(v);
        case "--warmup" -> warmup = parseDuration(v);
        case "--connections" -> connections = Integer.parseInt(v);
        case "--streams" -> streams = Integer.parseInt(v);
        case "--jitter" -> jitter = Double.parseDouble(v);
        case "--count" -> count = Long.parseLong(v);
        case "--timeout" -> timeout = parseDuration(v);
        case "--size" -> size = Integer.parseInt(v);
        case "--json" -> json = Path.of(v);
        case "--watch" -> {
          for (String w : v.split(",")) {
            if (!w.isBlank()) {
              watch.add(w.trim());
            }
          }
        }
        case "--label" -> label = v;
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (url == null || duration == null || rate == 0) {
      throw new IllegalArgumentException("--url, --rate and --duration are required");
    }
    URI uri = URI.create(url);
    if (uri.getHost() == null || uri.getPort() <= 0) {
      throw new IllegalArgumentException("--url needs a host and an explicit port: " + url);
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (protocol.equals("grpc") && path.equals("/")) {
      path = "/trellis.bench.Echo/Echo";
    }
    int sz = size != null ? size : protocol.equals("tcp") ? 64 : 1024;
    return new LoadOptions(uri.getHost(), uri.getPort(), path, protocol, rate, duration, warmup, connections,
        streams, jitter, count, timeout, sz, json, watch, label);
  }

  /** Parses 10s, 500ms, 2m, 1h, 250us or a bare number of seconds. */
  public static Duration parseDuration(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofNanos((long) (Double.parseDouble(t.substring(0, t.length() - 2)) * 1e6));
      } else if (t.endsWith("us")) {
        return Duration.ofNanos((long) (Double.parseDouble(t.substring(0, t.length() - 2)) * 1e3));
      } else if (t.endsWith("s")) {
        return Duration.ofNanos((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1e9));
      } else if (t.endsWith("m")) {
        return Duration.ofNanos((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 60e9));
      } else if (t.endsWith("h")) {
        return Duration.ofNanos((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 3600e9));
      }
      return Duration.ofNanos((long) (Double.parseDouble(t) * 1e9));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a duration: " + s);
    }
  }
}
