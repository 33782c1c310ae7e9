package io.trellis.proxy.stats;

import com.google.re2j.Pattern;

/**
 * What to render from a {@link StatsStore}, as Envoy's {@code /stats} query parameters say: {@code filter=<regex>}
 * (an RE2 regex, as Envoy's, so a filter runs in linear time on the admin thread; a stat is kept when the
 * regex matches anywhere in its name), {@code usedonly} (only stats that were ever written),
 * and {@code type=All|Counters|Gauges|Histograms}.
 *
 * @param filter null for no filter
 */
public record StatsQuery(Pattern filter, boolean usedOnly, Type type) {
  /** Envoy's {@code type} parameter. */
  public enum Type {
    ALL, COUNTERS, GAUGES, HISTOGRAMS
  }

  public static final StatsQuery ALL = new StatsQuery(null, false, Type.ALL);

  boolean keep(String name, boolean used) {
    return (!usedOnly || used) && (filter == null || filter.matcher(name).find());
  }

  boolean counters() {
    return type == Type.ALL || type == Type.COUNTERS;
  }

  boolean gauges() {
    return type == Type.ALL || type == Type.GAUGES;
  }

  boolean histograms() {
    return type == Type.ALL || type == Type.HISTOGRAMS;
  }
}
