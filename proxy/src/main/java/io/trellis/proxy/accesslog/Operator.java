package io.trellis.proxy.accesslog;

import io.trellis.proxy.stream.StreamInfo;

/**
 * One parsed access log operator ({@code %RESPONSE_CODE%}, {@code %REQ(USER-AGENT):10%}), built once when config is
 * applied and run on the event loop for every logged stream. A missing value prints as {@code -} in text and as
 * {@code null} in JSON, as Envoy does.
 */
abstract class Operator {
  /** The value as text, or null when missing. */
  abstract String value(StreamInfo info);

  void appendText(StreamInfo info, StringBuilder sb) {
    String v = value(info);
    sb.append(v == null ? "-" : v);
  }

  /** The typed JSON value: a number for numeric operators, a string, or {@code null}. */
  void appendJson(StreamInfo info, StringBuilder sb) {
    String v = value(info);
    if (v == null) {
      sb.append("null");
    } else {
      Json.quote(v, sb);
    }
  }

  /** True when {@link #appendJson} would write {@code null} (for omit_empty_values). */
  boolean missing(StreamInfo info) {
    String v = value(info);
    return v == null || v.isEmpty();
  }

  /** An operator whose value is a number; {@link #number} returns {@link Long#MIN_VALUE} when missing. */
  abstract static class Numeric extends Operator {
    abstract long number(StreamInfo info);

    @Override
    final String value(StreamInfo info) {
      long n = number(info);
      return n == Long.MIN_VALUE ? null : Long.toString(n);
    }

    @Override
    final void appendText(StreamInfo info, StringBuilder sb) {
      long n = number(info);
      if (n == Long.MIN_VALUE) {
        sb.append('-');
      } else {
        sb.append(n);
      }
    }

    @Override
    final void appendJson(StreamInfo info, StringBuilder sb) {
      long n = number(info);
      if (n == Long.MIN_VALUE) {
        sb.append("null");
      } else {
        sb.append(n);
      }
    }

    @Override
    final boolean missing(StreamInfo info) {
      return number(info) == Long.MIN_VALUE;
    }
  }

  /** {@code :Z}: the value cut to {@code max} characters. */
  static final class Truncated extends Operator {
    private final Operator inner;
    private final int max;

    Truncated(Operator inner, int max) {
      this.inner = inner;
      this.max = max;
    }

    @Override
    String value(StreamInfo info) {
      String v = inner.value(info);
      return v == null || v.length() <= max ? v : v.substring(0, max);
    }
  }
}
