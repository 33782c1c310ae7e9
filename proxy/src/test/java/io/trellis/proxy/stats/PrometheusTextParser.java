package io.trellis.proxy.stats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: it rejects what Prometheus' own parser
 * rejects (bad names, bad label syntax or escapes, bad values, a family's samples split by another family, a second
 * TYPE line, a TYPE after samples) and checks histogram invariants (buckets non-decreasing, {@code +Inf} present and
 * equal to {@code _count}, {@code _sum} present).
 */
public final class PrometheusTextParser {
  private static final Pattern METRIC = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** One metric family. */
  public record Family(String name, String type, List<Sample> samples) {}

  private PrometheusTextParser() {}

  public static Map<String, Family> parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new IllegalArgumentException("exposition must end with a newline");
    }
    Map<String, Family> families = new LinkedHashMap<>();
    Set<String> closed = new HashSet<>();
    String current = null;
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isEmpty()) {
        continue;
      }
      String where = "line " + lineNo + ": " + line;
      if (line.startsWith("#")) {
        String[] parts = line.split(" ", 4);
        if (parts.length >= 3 && parts[1].equals("TYPE")) {
          if (parts.length != 4 || !METRIC.matcher(parts[2]).matches() || !TYPES.contains(parts[3])) {
            throw new IllegalArgumentException("bad TYPE " + where);
          }
          if (families.containsKey(parts[2])) {
            throw new IllegalArgumentException("second TYPE or TYPE after samples " + where);
          }
          if (current != null) {
            closed.add(current);
          }
          current = parts[2];
          families.put(current, new Family(current, parts[3], new ArrayList<>()));
        }
        continue;
      }
      Sample s = sample(line, where);
      String family = familyOf(s.name(), families);
      if (closed.contains(family)) {
        throw new IllegalArgumentException("samples of " + family + " are not contiguous " + where);
      }
      if (!family.equals(current)) {
        if (current != null) {
          closed.add(current);
        }
        current = family;
        families.putIfAbsent(family, new Family(family, "untyped", new ArrayList<>()));
      }
      families.get(family).samples().add(s);
    }
    for (Family f : families.values()) {
      if (f.type().equals("histogram")) {
        checkHistogram(f);
      }
    }
    return families;
  }

  private static String familyOf(String sample, Map<String, Family> families) {
    for (String suffix : List.of("_bucket", "_sum", "_count")) {
      if (sample.endsWith(suffix)) {
        String base = sample.substring(0, sample.length() - suffix.length());
        Family f = families.get(base);
        if (f != null && (f.type().equals("histogram") || f.type().equals("summary"))) {
          return base;
        }
      }
    }
    return sample;
  }

  private static Sample sample(String line, String where) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    if (!METRIC.matcher(name).matches()) {
      throw new IllegalArgumentException("bad metric name " + where);
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        if (i >= line.length()) {
          throw new IllegalArgumentException("unterminated labels " + where);
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        int eq = line.indexOf('=', i);
        if (eq < 0) {
          throw new IllegalArgumentException("label without '=' " + where);
        }
        String label = line.substring(i, eq);
        if (!LABEL.matcher(label).matches() || labels.containsKey(label)) {
          throw new IllegalArgumentException("bad or repeated label name '" + label + "' " + where);
        }
        i = eq + 1;
        if (i >= line.length() || line.charAt(i) != '"') {
          throw new IllegalArgumentException("label value not quoted " + where);
        }
        i++;
        StringBuilder v = new StringBuilder();
        while (true) {
          if (i >= line.length()) {
            throw new IllegalArgumentException("unterminated label value " + where);
          }
          char c = line.charAt(i++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            char n = line.charAt(i++);
            switch (n) {
              case '\\' -> v.append('\\');
              case '"' -> v.append('"');
              case 'n' -> v.append('\n');
              default -> throw new IllegalArgumentException("bad escape \\" + n + " " + where);
            }
          } else {
            v.append(c);
          }
        }
        labels.put(label, v.toString());
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        }
      }
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      throw new IllegalArgumentException("no space before value " + where);
    }
    String[] rest = line.substring(i + 1).split(" ");
    if (rest.length < 1 || rest.length > 2) {
      throw new IllegalArgumentException("bad value/timestamp " + where);
    }
    double value = switch (rest[0]) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(rest[0]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("bad value " + where, e);
        }
      }
    };
    if (rest.length == 2) {
      Long.parseLong(rest[1]);
    }
    return new Sample(name, labels, value);
  }

  private static void checkHistogram(Family f) {
    Map<Map<String, String>, List<Sample>> series = new HashMap<>();
    for (Sample s : f.samples()) {
      Map<String, String> key = new HashMap<>(s.labels());
      key.remove("le");
      series.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
    }
    for (List<Sample> samples : series.values()) {
      double last = -1;
      double inf = -1;
      double count = -1;
      boolean sum = false;
      for (Sample s : samples) {
        if (s.name().equals(f.name() + "_bucket")) {
          String le = s.labels().get("le");
          if (le == null) {
            throw new IllegalArgumentException("bucket without le in " + f.name());
          }
          if (s.value() < last) {
            throw new IllegalArgumentException("buckets decrease in " + f.name());
          }
          last = s.value();
          if (le.equals("+Inf")) {
            inf = s.value();
          } else {
            Double.parseDouble(le);
          }
        } else if (s.name().equals(f.name() + "_count")) {
          count = s.value();
        } else if (s.name().equals(f.name() + "_sum")) {
          sum = true;
        } else {
          throw new IllegalArgumentException("unexpected sample " + s.name() + " in histogram " + f.name());
        }
      }
      if (inf < 0 || inf != count || !sum) {
        throw new IllegalArgumentException("histogram " + f.name() + " lacks +Inf, _count or _sum, or +Inf != _count");
      }
    }
  }
}
