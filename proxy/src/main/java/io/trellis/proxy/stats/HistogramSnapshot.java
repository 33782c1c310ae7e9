package io.trellis.proxy.stats;

import java.util.List;

/**
 * A read of one {@link Histogram}: the last completed flush interval ({@code null} before the first one) and
 * everything since start, with the exact sum of the recorded values.
 */
public record HistogramSnapshot(String name, org.HdrHistogram.Histogram interval,
    org.HdrHistogram.Histogram cumulative, long sum) {

  /** The quantiles Envoy's /stats prints, as fractions. */
  public static final List<Double> SUPPORTED_QUANTILES = List.of(0.0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999,
      1.0);

  public long count() {
    return cumulative.getTotalCount();
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
}
