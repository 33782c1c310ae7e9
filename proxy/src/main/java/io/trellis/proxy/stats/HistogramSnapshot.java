package io.trellis.proxy.stats;

import java.util.List;

/**
 * A read of one {@link Histogram}, computed under its lock so renderers never copy HdrHistogram arrays: the quantiles
 * of the last completed flush interval and of everything since start ({@link #SUPPORTED_QUANTILES}; NaN where there
 * is no value), the cumulative counts at Envoy's default Prometheus bucket bounds, the count and the exact sum.
 */
public record HistogramSnapshot(String name, double[] intervalQuantiles, double[] cumulativeQuantiles,
    long[] bucketCounts, long count, long sum) {

  /** The quantiles Envoy's /stats prints, as fractions. */
  public static final List<Double> SUPPORTED_QUANTILES = List.of(0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999,
      1.0);

  /** Envoy's default histogram bucket bounds (ms) for Prometheus output. */
  public static final double[] DEFAULT_BUCKETS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
      30000, 60000, 300000, 600000, 1800000, 3600000};

  static HistogramSnapshot of(String name, org.HdrHistogram.Histogram interval, org.HdrHistogram.Histogram cumulative,
      long sum) {
    return new HistogramSnapshot(name, quantiles(interval), quantiles(cumulative), buckets(cumulative),
        cumulative.getTotalCount(), sum);
  }

  static double[] quantiles(org.HdrHistogram.Histogram h) {
    double[] out = new double[SUPPORTED_QUANTILES.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = quantile(h, SUPPORTED_QUANTILES.get(i));
    }
    return out;
  }

  /** The value at quantile {@code q} (0..1), or NaN when {@code h} is null or empty. */
  public static double quantile(org.HdrHistogram.Histogram h, double q) {
    if (h == null || h.getTotalCount() == 0) {
      return Double.NaN;
    }
    if (q <= 0) {
      return h.getMinValue();
    }
    if (q >= 1) {
      return h.getMaxValue();
    }
    return h.getValueAtPercentile(q * 100);
  }

  /** Cumulative counts of values at or below each of {@link #DEFAULT_BUCKETS}, in one pass over the values. */
  static long[] buckets(org.HdrHistogram.Histogram h) {
    long[] counts = new long[DEFAULT_BUCKETS.length];
    int b = 0;
    long below = 0;
    for (org.HdrHistogram.HistogramIterationValue v : h.recordedValues()) {
      long low = h.lowestEquivalentValue(v.getValueIteratedTo());
      while (b < counts.length && low > DEFAULT_BUCKETS[b]) {
        counts[b++] = below;
      }
      below += v.getCountAtValueIteratedTo();
    }
    while (b < counts.length) {
      counts[b++] = below;
    }
    return counts;
  }
}
