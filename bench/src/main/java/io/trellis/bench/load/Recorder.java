package io.trellis.bench.load;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one phase: two latency histograms in microseconds (from the intended and from the actual send time),
 * the scheduler's send lag, and the counters. Used from the event loop only.
 */
final class Recorder {
  static final long HIGHEST_US = 120_000_000L;

  final Histogram intended = new Histogram(HIGHEST_US, 3);
  final Histogram actual = new Histogram(HIGHEST_US, 3);
  final Histogram sendLag = new Histogram(HIGHEST_US, 3);
  long windowEndNanos = Long.MAX_VALUE;
  long sent;
  long sentInWindow;
  long ok;
  long okInWindow;
  long non2xx;
  long grpcErrors;
  long resets;
  long timeouts;
  long unfinished;

  void sent(long intendedNanos, long actualNanos) {
    sent++;
    if (actualNanos <= windowEndNanos) {
      sentInWindow++;
    }
    sendLag.recordValue(Math.min(HIGHEST_US, Math.max(0, (actualNanos - intendedNanos) / 1000)));
  }

  void ok(long intendedNanos, long actualNanos, long now) {
    ok++;
    if (now <= windowEndNanos) {
      okInWindow++;
    }
    intended.recordValue(Math.min(HIGHEST_US, Math.max(0, (now - intendedNanos + 500) / 1000)));
    actual.recordValue(Math.min(HIGHEST_US, Math.max(0, (now - actualNanos + 500) / 1000)));
  }

  long errors() {
    return non2xx + grpcErrors + resets + timeouts + unfinished;
  }

  static Map<String, Object> summary(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    m.put("min", h.getTotalCount() == 0 ? 0 : h.getMinValue());
    m.put("mean", Math.round(h.getMean() * 10) / 10.0);
    m.put("p50", h.getValueAtPercentile(50));
    m.put("p90", h.getValueAtPercentile(90));
    m.put("p99", h.getValueAtPercentile(99));
    m.put("p999", h.getValueAtPercentile(99.9));
    m.put("max", h.getMaxValue());
    return m;
  }

  /** The histogram in HdrHistogram's compressed encoding, base64: what the report pools over repetitions. */
  static String encode(Histogram h) {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buf);
    byte[] bytes = new byte[n];
    buf.flip();
    buf.get(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  static Histogram decode(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    } catch (java.util.zip.DataFormatException e) {
      throw new IllegalArgumentException("bad histogram encoding", e);
    }
  }
}
