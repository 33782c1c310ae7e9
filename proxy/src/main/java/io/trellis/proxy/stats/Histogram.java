package io.trellis.proxy.stats;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * A distribution of values in milliseconds (Envoy records {@code upstream_rq_time} and {@code downstream_rq_time} in
 * ms). Recording is wait-free; readers take a {@link #snapshot()} with both Envoy views: the cumulative distribution
 * since start, and the interval distribution of the last completed flush interval (Envoy's
 * {@code stats_flush_interval}, 5 s by default).
 */
public final class Histogram {
  /** Envoy's default stats_flush_interval. */
  static final long FLUSH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final String name;
  private final Recorder recorder = new Recorder(3);
  private final LongAdder sum = new LongAdder();
  // Guarded by this: only admin reads touch them.
  private final org.HdrHistogram.Histogram cumulative = new org.HdrHistogram.Histogram(3);
  private final org.HdrHistogram.Histogram pending = new org.HdrHistogram.Histogram(3);
  private org.HdrHistogram.Histogram lastInterval;
  private org.HdrHistogram.Histogram recycle;
  private long lastFlushNanos = System.nanoTime();
  // Set once without ordering; see Gauge.
  private boolean used;

  Histogram(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void record(long value) {
    long v = Math.max(0, value);
    markUsed();
    recorder.recordValue(v);
    sum.add(v);
  }

  /** Everything recorded so far. Not for the hot path. */
  public synchronized org.HdrHistogram.Histogram cumulative() {
    snapshot();
    return cumulative.copy();
  }

  /** Both views at once. Not for the hot path. */
  public synchronized HistogramSnapshot snapshot() {
    return snapshot(System.nanoTime());
  }

  synchronized HistogramSnapshot snapshot(long nowNanos) {
    recycle = recorder.getIntervalHistogram(recycle);
    cumulative.add(recycle);
    pending.add(recycle);
    if (nowNanos - lastFlushNanos >= FLUSH_INTERVAL_NANOS) {
      lastInterval = pending.copy();
      pending.reset();
      lastFlushNanos = nowNanos;
    }
    return HistogramSnapshot.of(name, lastInterval, cumulative, sum.sum());
  }

  /** Envoy's "used" flag: true once a value was recorded. */
  public boolean used() {
    return used;
  }

  private void markUsed() {
    if (!used) {
      used = true;
    }
  }
}
