package io.trellis.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A trivial benchmark that keeps the JMH wiring honest: the cost of recording one latency in the load generator's
 * HdrHistogram. If this builds and runs under {@code bench/run --jmh-smoke}, so do the real ones beside it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ExampleBenchmark {
  private Histogram histogram;
  private long value;

  @Setup
  public void setUp() {
    histogram = new Histogram(120_000_000L, 3);
  }

  @Benchmark
  public long recordLatency() {
    value = (value * 6364136223846793005L + 1442695040888963407L) & 0xfffffL;
    histogram.recordValue(value);
    return histogram.getTotalCount();
  }
}
