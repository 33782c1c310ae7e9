package io.trellis.bench.jmh;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.trellis.proxy.accesslog.LogFormatter;
import io.trellis.proxy.stats.Counter;
import io.trellis.proxy.stats.Gauge;
import io.trellis.proxy.stats.Histogram;
import io.trellis.proxy.stats.StatsQuery;
import io.trellis.proxy.stats.StatsRenderer;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.stats.TagExtractor;
import io.trellis.proxy.stream.StreamInfo;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request cost of observability: a counter increment (LongAdder), a gauge update, a histogram record
 * (HdrHistogram Recorder plus the exact sum), one access log line in Envoy's default format into a reused builder;
 * and, off the hot path, one Prometheus render of a proxy-sized store (for the scrape cost).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class StatsBenchmark {
  private Counter counter;
  private Gauge gauge;
  private Histogram histogram;
  private StatsStore proxySized;
  private LogFormatter defaultFormat;
  private StreamInfo info;
  private long value;

  @Setup
  public void setUp() {
    StatsStore store = new StatsStore();
    counter = store.counter("cluster.backend.upstream_rq_total");
    gauge = store.gauge("cluster.backend.upstream_rq_active");
    histogram = store.histogram("cluster.backend.upstream_rq_time");
    proxySized = new StatsStore();
    for (int c = 0; c < 20; c++) {
      for (String n : new String[] {"upstream_rq_total", "upstream_rq_2xx", "upstream_rq_5xx", "upstream_rq_200",
          "upstream_cx_total", "upstream_cx_connect_fail", "upstream_rq_retry", "upstream_rq_timeout"}) {
        proxySized.counter("cluster.c" + c + "." + n).add(c + 1);
      }
      proxySized.gauge("cluster.c" + c + ".upstream_cx_active").set(c);
      Histogram h = proxySized.histogram("cluster.c" + c + ".upstream_rq_time");
      for (int i = 0; i < 100; i++) {
        h.record(i * 7 % 900);
      }
    }
    defaultFormat = LogFormatter.text(LogFormatter.DEFAULT_FORMAT);
    info = new StreamInfo();
    info.startEpochMillis = System.currentTimeMillis();
    info.startNanos = System.nanoTime();
    info.endNanos = info.startNanos + 3_000_000;
    info.protocol = "HTTP/1.1";
    info.method = "GET";
    info.path = "/reviews/1";
    info.authority = "reviews";
    info.requestHeaders = new DefaultHttpHeaders().add("user-agent", "wrk").add("x-request-id", "7f1c");
    info.responseHeaders = new DefaultHttpHeaders().add("x-envoy-upstream-service-time", "2");
    info.responseCode = 200;
    info.bytesSent = 512;
    info.upstreamHost = new InetSocketAddress("127.0.0.1", 8080);
  }

  @Benchmark
  public void counterInc() {
    counter.inc();
  }

  @Benchmark
  @Threads(2)
  public void counterIncTwoThreads() {
    counter.inc();
  }

  @Benchmark
  public void gaugeIncDec() {
    gauge.inc();
    gauge.dec();
  }

  @Benchmark
  public void histogramRecord() {
    value = (value * 6364136223846793005L + 1442695040888963407L) & 0x3ffL;
    histogram.record(value);
  }

  @Benchmark
  @Threads(2)
  public void histogramRecordTwoThreads() {
    histogram.record(17);
  }

  @Benchmark
  public int accessLogDefaultFormat(Scratch scratch) {
    scratch.sb.setLength(0);
    defaultFormat.format(info, scratch.sb);
    return scratch.sb.length();
  }

  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public int prometheusRender200Stats() {
    return StatsRenderer.prometheus(proxySized, StatsQuery.ALL, TagExtractor.envoyDefaults()).length();
  }

  /** A per-thread builder, as the access log keeps one per event loop. */
  @State(Scope.Thread)
  public static class Scratch {
    final StringBuilder sb = new StringBuilder(512);
  }
}
