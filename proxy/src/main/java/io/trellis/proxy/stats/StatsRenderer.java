package io.trellis.proxy.stats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a {@link StatsStore} in Envoy's admin formats: the {@code /stats} text form, {@code /stats?format=json}, and
 * {@code /stats/prometheus} (Prometheus text exposition format 0.0.4 with Envoy's tag extraction). Runs on the admin
 * thread; it only reads the stats.
 */
public final class StatsRenderer {
  /** Envoy's default histogram bucket bounds (ms) for Prometheus output. */
  public static final List<Double> DEFAULT_BUCKETS = java.util.Arrays.stream(HistogramSnapshot.DEFAULT_BUCKETS)
      .boxed().toList();

  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final JsonFactory JSON = new JsonFactory();

  private StatsRenderer() {}

  /**
   * Envoy's text form: counters and gauges as {@code name: value}, sorted by name, then histograms as
   * {@code name: P0(interval,cumulative) P25(...) ... P100(...)} ({@code nan} where there is no value), or
   * {@code name: No recorded values}.
   */
  public static String text(StatsStore store, StatsQuery query) {
    StringBuilder sb = new StringBuilder(4096);
    for (Map.Entry<String, Long> e : scalars(store, query).entrySet()) {
      sb.append(e.getKey()).append(": ").append(e.getValue()).append('\n');
    }
    for (HistogramSnapshot h : histograms(store, query)) {
      sb.append(h.name()).append(": ");
      if (h.count() == 0) {
        sb.append("No recorded values\n");
        continue;
      }
      for (int i = 0; i < HistogramSnapshot.SUPPORTED_QUANTILES.size(); i++) {
        if (i > 0) {
          sb.append(' ');
        }
        sb.append('P').append(number(HistogramSnapshot.SUPPORTED_QUANTILES.get(i) * 100)).append('(')
            .append(number(h.intervalQuantiles()[i])).append(',')
            .append(number(h.cumulativeQuantiles()[i])).append(')');
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /**
   * Envoy's {@code /stats?format=json}: {@code {"stats":[{"name":..,"value":..},...,{"histograms":{
   * "supported_quantiles":[0,25,...],"computed_quantiles":[{"name":..,
   * "values":[{"interval":..,"cumulative":..}]}]}}]}}.
   */
  public static String json(StatsStore store, StatsQuery query) {
    StringWriter out = new StringWriter(4096);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeArrayFieldStart("stats");
      for (Map.Entry<String, Long> e : scalars(store, query).entrySet()) {
        g.writeStartObject();
        g.writeStringField("name", e.getKey());
        g.writeNumberField("value", e.getValue());
        g.writeEndObject();
      }
      List<HistogramSnapshot> hs = histograms(store, query);
      if (!hs.isEmpty()) {
        g.writeStartObject();
        g.writeObjectFieldStart("histograms");
        g.writeArrayFieldStart("supported_quantiles");
        for (double q : HistogramSnapshot.SUPPORTED_QUANTILES) {
          double pct = q * 100;
          if (pct == Math.rint(pct)) {
            g.writeNumber((long) pct); // Envoy prints [0,25,50,75,90,95,99,99.5,99.9,100]
          } else {
            g.writeNumber(Math.round(pct * 10) / 10.0);
          }
        }
        g.writeEndArray();
        g.writeArrayFieldStart("computed_quantiles");
        for (HistogramSnapshot h : hs) {
          g.writeStartObject();
          g.writeStringField("name", h.name());
          g.writeArrayFieldStart("values");
          for (int i = 0; i < HistogramSnapshot.SUPPORTED_QUANTILES.size(); i++) {
            g.writeStartObject();
            jsonNumber(g, "interval", h.intervalQuantiles()[i]);
            jsonNumber(g, "cumulative", h.cumulativeQuantiles()[i]);
            g.writeEndObject();
          }
          g.writeEndArray();
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.append('\n').toString();
  }

  /**
   * Prometheus text exposition format 0.0.4, as Envoy's {@code /stats/prometheus}: names tag-extracted, sanitized and
   * prefixed with {@code envoy_}; one {@code # TYPE} line per metric family; histograms as cumulative
   * {@code _bucket{le=..}} series over Envoy's default bounds, then {@code _sum} and {@code _count}.
   */
  public static String prometheus(StatsStore store, StatsQuery query, TagExtractor tags) {
    // family name -> (type, lines); TreeMap keeps families sorted as Envoy prints them.
    Map<String, Family> families = new TreeMap<>();
    if (query.counters()) {
      for (Counter c : store.counters().values()) {
        if (query.keep(c.name(), c.used())) {
          TagExtractor.Extracted e = tags.extract(c.name());
          Family f = families.computeIfAbsent(promName(e.name()), n -> new Family(n, "counter"));
          if (f.type.equals("counter")) { // Prometheus forbids one family name with two types.
            f.add(labels(e.tags(), null), c.value());
          }
        }
      }
    }
    if (query.gauges()) {
      for (Gauge gauge : store.gauges().values()) {
        if (query.keep(gauge.name(), gauge.used())) {
          TagExtractor.Extracted e = tags.extract(gauge.name());
          Family f = families.computeIfAbsent(promName(e.name()), n -> new Family(n, "gauge"));
          if (f.type.equals("gauge")) { // Prometheus forbids one family name with two types.
            f.add(labels(e.tags(), null), gauge.value());
          }
        }
      }
    }
    StringBuilder sb = new StringBuilder(8192);
    if (query.histograms()) {
      for (HistogramSnapshot h : histograms(store, query)) {
        TagExtractor.Extracted e = tags.extract(h.name());
        Family f = families.computeIfAbsent(promName(e.name()), n -> new Family(n, "histogram"));
        if (!f.type.equals("histogram")) {
          continue; // a counter or gauge already owns this family name; Prometheus forbids mixing.
        }
        long[] counts = h.bucketCounts();
        StringBuilder lines = new StringBuilder(1024);
        for (int i = 0; i < DEFAULT_BUCKETS.size(); i++) {
          lines.append(f.name).append("_bucket").append(labels(e.tags(), number(DEFAULT_BUCKETS.get(i))))
              .append(' ').append(counts[i]).append('\n');
        }
        lines.append(f.name).append("_bucket").append(labels(e.tags(), "+Inf")).append(' ').append(h.count())
            .append('\n');
        lines.append(f.name).append("_sum").append(labels(e.tags(), null)).append(' ').append(h.sum()).append('\n');
        lines.append(f.name).append("_count").append(labels(e.tags(), null)).append(' ').append(h.count())
            .append('\n');
        f.samples.add(new Sample(e.name() + "\u0000" + h.name(), lines.toString()));
      }
    }
    for (Family f : families.values()) {
      sb.append("# TYPE ").append(f.name).append(' ').append(f.type).append('\n');
      f.samples.sort((a, b) -> a.sortKey.compareTo(b.sortKey));
      for (Sample s : f.samples) {
        sb.append(s.text);
      }
    }
    return sb.toString();
  }

  /** {@code envoy_} + the tag-extracted name with every character outside [a-zA-Z0-9_] replaced by '_'. */
  public static String promName(String extractedName) {
    return "envoy_" + sanitize(extractedName);
  }

  static String sanitize(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      sb.append(ok ? c : '_');
    }
    return sb.toString();
  }

  private static String labels(List<TagExtractor.Tag> tags, String le) {
    if (tags.isEmpty() && le == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder().append('{');
    for (TagExtractor.Tag t : tags) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append(sanitize(t.name())).append("=\"");
      escapeLabel(sb, t.value());
      sb.append('"');
    }
    if (le != null) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append("le=\"").append(le).append('"');
    }
    return sb.append('}').toString();
  }

  private static void escapeLabel(StringBuilder sb, String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '"' -> sb.append("\\\"");
        case '\n' -> sb.append("\\n");
        default -> sb.append(c);
      }
    }
  }

  private static Map<String, Long> scalars(StatsStore store, StatsQuery query) {
    Map<String, Long> out = new TreeMap<>();
    if (query.counters()) {
      for (Counter c : store.counters().values()) {
        if (query.keep(c.name(), c.used())) {
          out.put(c.name(), c.value());
        }
      }
    }
    if (query.gauges()) {
      for (Gauge g : store.gauges().values()) {
        if (query.keep(g.name(), g.used())) {
          out.put(g.name(), g.value());
        }
      }
    }
    return out;
  }

  private static List<HistogramSnapshot> histograms(StatsStore store, StatsQuery query) {
    List<HistogramSnapshot> out = new ArrayList<>();
    if (query.histograms()) {
      for (Histogram h : store.histograms().values()) {
        if (query.keep(h.name(), h.used())) {
          out.add(h.snapshot());
        }
      }
    }
    return out;
  }

  /** A double as Envoy prints it: integral values without a fraction, {@code nan} for NaN. */
  static String number(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    String s = java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    return s;
  }

  private static void jsonNumber(JsonGenerator g, String field, double d) throws IOException {
    if (Double.isNaN(d)) {
      g.writeNullField(field);
    } else if (d == Math.rint(d)) {
      g.writeNumberField(field, (long) d);
    } else {
      g.writeNumberField(field, d);
    }
  }

  private record Sample(String sortKey, String text) {}

  private static final class Family {
    final String name;
    final String type;
    final List<Sample> samples = new ArrayList<>();

    Family(String name, String type) {
      this.name = name;
      this.type = type;
    }

    void add(String labels, long value) {
      samples.add(new Sample(labels, name + labels + " " + value + "\n"));
    }
  }
}
