package io.trellis.proxy.stats;

import org.HdrHistogram.Recorder;

/**
 * A distribution of values in milliseconds (Envoy records {@code upstream_rq_time} and {@code downstream_rq_time} in
 * ms). Recording is wait-free; readers take an interval snapshot.
 */
public final class Histogram {
  private final String name;
  private final Recorder recorder = new Recorder(3);
  private final org.HdrHistogram.Histogram cumulative = new org.HdrHistogram.Histogram(3);

  Histogram(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void record(long value) {
    recorder.recordValue(Math.max(0, value));
  }

  /** Everything recorded so far. Not for the hot path. */
  public synchronized org.HdrHistogram.Histogram cumulative() {
    cumulative.add(recorder.getIntervalHistogram());
    return cumulative.copy();
  }
}
