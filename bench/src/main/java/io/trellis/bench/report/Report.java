package io.trellis.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * Builds results.json and results.md for one {@code bench/run} directory.
 *
 * <p>Input: {@code env.json}, {@code runs/*.json} (load generator results whose label is
 * {@code scenario;variant;target;repetition}, plus {@code kind: unavailable | wrk | footprint} records that the run
 * script writes), and {@code logs/vmstat.txt}. Latency percentiles are read from the histograms of the valid
 * repetitions pooled together; per-repetition percentiles are given as median and range only. Invalid runs are listed
 * with their reasons and never pooled.
 *
 * <p>Usage: {@code Report RUN_DIR}.
 */
public final class Report {
  static final List<String> TARGETS = List.of("direct", "haproxy", "nginx", "trellis");
  static final String[] PCTS = {"p50", "p90", "p99", "p999"};
  static final double[] PCT_VALUES = {50, 90, 99, 99.9};

  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private final Path dir;

  private Report(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: Report RUN_DIR");
      System.exit(2);
    }
    new Report(Path.of(args[0])).write();
  }

  /** One (scenario, variant, target) group of runs. */
  private static final class Group {
    final String scenario;
    final String variant;
    final String target;
    final List<JsonNode> valid = new ArrayList<>();
    final List<JsonNode> invalid = new ArrayList<>();
    final List<JsonNode> other = new ArrayList<>();
    String unavailable;

    Group(String scenario, String variant, String target) {
      this.scenario = scenario;
      this.variant = variant;
      this.target = target;
    }
  }

  void write() throws IOException {
    JsonNode env = Files.exists(dir.resolve("env.json")) ? json.readTree(dir.resolve("env.json").toFile())
        : json.createObjectNode();
    Map<String, Group> groups = new LinkedHashMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    for (Path f : files) {
      JsonNode n;
      try {
        n = json.readTree(f.toFile());
      } catch (IOException e) {
        System.err.println("report: skipping unreadable " + f + ": " + e.getMessage());
        continue;
      }
      String[] label = n.path("label").asText("").split(";", -1);
      if (label.length < 3) {
        continue;
      }
      Group g = groups.computeIfAbsent(label[0] + "|" + label[1] + "|" + label[2],
          k -> new Group(label[0], label[1], label[2]));
      String kind = n.path("kind").asText("load");
      switch (kind) {
        case "unavailable" -> g.unavailable = n.path("reason").asText();
        case "load" -> (n.path("valid").asBoolean(false) ? g.valid : g.invalid).add(n);
        default -> g.other.add(n);
      }
    }
    ObjectNode out = json.createObjectNode();
    out.set("environment", env);
    out.set("steal", steal());
    ArrayNode rows = out.putArray("rows");
    ArrayNode invalidRuns = out.putArray("invalid_runs");
    StringBuilder md = new StringBuilder();
    md.append("# Trellis benchmark results\n\n");
    header(md, env);
    // Latency tables, one per scenario and variant.
    Map<String, List<Group>> byVariant = new LinkedHashMap<>();
    for (Group g : groups.values()) {
      boolean load = !g.valid.isEmpty() || !g.invalid.isEmpty()
          || (g.unavailable != null && g.other.isEmpty() && !g.scenario.equals("S7") && !g.scenario.equals("S8"));
      if (load) {
        byVariant.computeIfAbsent(g.scenario + "|" + g.variant, k -> new ArrayList<>()).add(g);
      }
    }
    List<String> keys = new ArrayList<>(byVariant.keySet());
    keys.sort(Comparator.comparing((String k) -> scenarioOrder(k.substring(0, k.indexOf('|')))));
    for (String key : keys) {
      List<Group> gs = byVariant.get(key);
      gs.sort(Comparator.comparing(g -> TARGETS.indexOf(g.target)));
      String scenario = gs.get(0).scenario;
      String variant = gs.get(0).variant;
      ObjectNode direct = null;
      Map<String, ObjectNode> computed = new LinkedHashMap<>();
      for (Group g : gs) {
        computed.put(g.target, row(g));
      }
      direct = computed.get("direct");
      if (direct == null || !direct.has("pooled")) {
        direct = findDirect(groups, variant);
      }
      for (ObjectNode r : computed.values()) {
        added(r, direct);
      }
      for (String target : List.of("trellis")) {
        ObjectNode ours = computed.get(target);
        if (ours != null && ours.has("added_us")) {
          for (String ref : List.of("haproxy", "nginx")) {
            ObjectNode theirs = computed.get(ref);
            if (theirs != null && theirs.has("added_us")) {
              ObjectNode ratio = ours.putObject("ratio_vs_" + ref);
              for (String p : List.of("p50", "p99")) {
                ratio.put(p, ratio(ours.path("added_us").path(p).asDouble(), theirs.path("added_us").path(p)
                    .asDouble()));
              }
              ratio.put("cpu_us_per_request", ratio(ours.path("cpu_us_per_request").asDouble(Double.NaN),
                  theirs.path("cpu_us_per_request").asDouble(Double.NaN)));
            }
          }
        }
      }
      md.append("## ").append(scenario).append(" — ").append(variant).append("\n\n");
      md.append(scenarioNote(scenario)).append("\n\n");
      md.append("| target | valid/runs | p50 | p90 | p99 | p99.9 | max | Δp50 | Δp90 | Δp99 | p50 per rep | p99 per rep"
          + " | Δ ours/haproxy p50, p99 | Δ ours/nginx p50, p99 | proxy CPU µs/req | vCPU per 1000 rps | RSS MB |\n");
      md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
      for (ObjectNode r : computed.values()) {
        rows.add(r);
        mdRow(md, r);
      }
      md.append('\n');
      for (Group g : gs) {
        for (JsonNode bad : g.invalid) {
          ObjectNode b = invalidRuns.addObject();
          b.put("label", bad.path("label").asText());
          b.set("reasons", bad.path("invalid_reasons"));
          b.set("notes", bad.path("notes"));
        }
      }
    }
    // S7: closed-loop maximum throughput.
    List<Group> s7 = groups.values().stream().filter(g -> g.scenario.equals("S7")).toList();
    if (!s7.isEmpty()) {
      md.append("## S7 — maximum throughput, closed loop (wrk)\n\n");
      md.append("Closed-loop maximum rps on 2 cores is client-bound and noisy: read it only as a ratio to haproxy in"
          + " the same run, or per proxy core. Latency at maximum load is not reported.\n\n");
      md.append("| variant | target | runs | rps (median [range]) | proxy CPU cores | rps per proxy core | rps ours/haproxy"
          + " | rps per core ours/haproxy |\n|---|---|---|---|---|---|---|---|\n");
      ArrayNode s7out = out.putArray("s7");
      Map<String, ObjectNode> byKey = new LinkedHashMap<>();
      for (Group g : s7) {
        ObjectNode r = json.createObjectNode();
        r.put("variant", g.variant);
        r.put("target", g.target);
        if (g.unavailable != null) {
          r.put("unavailable", g.unavailable);
        }
        List<Double> rps = new ArrayList<>();
        List<Double> perCore = new ArrayList<>();
        List<Double> cores = new ArrayList<>();
        for (JsonNode n : g.other) {
          if (n.path("errors").asLong(0) > 0 || n.path("rps").asDouble(0) <= 0) {
            ObjectNode b = invalidRuns.addObject();
            b.put("label", n.path("label").asText());
            b.putArray("reasons").add("wrk reported " + n.path("errors").asLong() + " errors or no requests");
            continue;
          }
          rps.add(n.path("rps").asDouble());
          double c = n.path("proxy_cpu_s").asDouble(-1) / n.path("duration_s").asDouble(1);
          if (c > 0) {
            cores.add(c);
            perCore.add(n.path("rps").asDouble() / c);
          }
        }
        r.put("runs", rps.size());
        if (!rps.isEmpty()) {
          r.put("rps_median", median(rps));
          r.put("rps_min", rps.stream().mapToDouble(d -> d).min().orElse(0));
          r.put("rps_max", rps.stream().mapToDouble(d -> d).max().orElse(0));
        }
        if (!perCore.isEmpty()) {
          r.put("proxy_cores", round(median(cores), 3));
          r.put("rps_per_proxy_core", Math.round(median(perCore)));
        }
        byKey.put(g.variant + "|" + g.target, r);
        s7out.add(r);
      }
      for (ObjectNode r : byKey.values()) {
        ObjectNode hap = byKey.get(r.path("variant").asText() + "|haproxy");
        if (hap != null && r.has("rps_median") && hap.has("rps_median")) {
          r.put("rps_ratio_vs_haproxy", round(r.path("rps_median").asDouble() / hap.path("rps_median").asDouble(), 3));
        }
        if (hap != null && r.has("rps_per_proxy_core") && hap.has("rps_per_proxy_core")) {
          r.put("rps_per_core_ratio_vs_haproxy",
              round(r.path("rps_per_proxy_core").asDouble() / hap.path("rps_per_proxy_core").asDouble(), 3));
        }
        md.append("| ").append(r.path("variant").asText()).append(" | ").append(r.path("target").asText())
            .append(" | ");
        if (r.has("unavailable")) {
          md.append("– | unavailable: ").append(r.path("unavailable").asText()).append(" | | | | |\n");
          continue;
        }
        md.append(r.path("runs").asInt()).append(" | ");
        md.append(r.has("rps_median") ? String.format(Locale.ROOT, "%.0f [%.0f–%.0f]",
            r.path("rps_median").asDouble(), r.path("rps_min").asDouble(), r.path("rps_max").asDouble()) : "–");
        md.append(" | ").append(r.has("proxy_cores") ? r.path("proxy_cores").asText() : "–");
        md.append(" | ").append(r.has("rps_per_proxy_core") ? r.path("rps_per_proxy_core").asText() : "–");
        md.append(" | ").append(r.has("rps_ratio_vs_haproxy") ? r.path("rps_ratio_vs_haproxy").asText() : "–");
        md.append(" | ").append(r.has("rps_per_core_ratio_vs_haproxy")
            ? r.path("rps_per_core_ratio_vs_haproxy").asText() : "–").append(" |\n");
      }
      md.append('\n');
    }
    // S8: footprint and start-up.
    List<Group> s8 = groups.values().stream().filter(g -> g.scenario.equals("S8")).toList();
    if (!s8.isEmpty()) {
      md.append("## S8 — footprint and start-up\n\n");
      md.append("Start-up is exec to listener bound, measured by polling the port (not yet \"first xDS ACK\": the"
          + " static bootstrap has no xDS). RSS is VmRSS of the proxy process(es); for nginx, master plus worker."
          + "\n\n| target | runs | start-up ms (median [range]) | RSS idle MB | RSS at 1000 rps MB | VmHWM MB |"
          + " load run valid |\n|---|---|---|---|---|---|---|\n");
      ArrayNode s8out = out.putArray("s8");
      for (Group g : s8.stream().sorted(Comparator.comparing(g -> TARGETS.indexOf(g.target))).toList()) {
        ObjectNode r = s8out.addObject();
        r.put("target", g.target);
        md.append("| ").append(g.target).append(" | ");
        if (g.unavailable != null) {
          r.put("unavailable", g.unavailable);
          md.append("– | unavailable: ").append(g.unavailable).append(" | | | | |\n");
          continue;
        }
        List<Double> startup = new ArrayList<>();
        List<Double> idle = new ArrayList<>();
        List<Double> load = new ArrayList<>();
        List<Double> hwm = new ArrayList<>();
        boolean allValid = true;
        for (JsonNode n : g.other) {
          startup.add(n.path("startup_ms").asDouble());
          idle.add(n.path("rss_idle_kb").asDouble() / 1024);
          load.add(n.path("rss_load_kb").asDouble() / 1024);
          hwm.add(n.path("hwm_kb").asDouble() / 1024);
          allValid &= n.path("load_valid").asBoolean(false);
        }
        r.put("runs", startup.size());
        if (startup.isEmpty()) {
          md.append("0 | | | | | |\n");
          continue;
        }
        r.put("startup_ms_median", round(median(startup), 1));
        r.put("rss_idle_mb", round(median(idle), 1));
        r.put("rss_1000rps_mb", round(median(load), 1));
        r.put("hwm_mb", round(median(hwm), 1));
        r.put("load_valid", allValid);
        md.append(startup.size()).append(" | ").append(String.format(Locale.ROOT, "%.1f [%.1f–%.1f]", median(startup),
            startup.stream().mapToDouble(d -> d).min().orElse(0), startup.stream().mapToDouble(d -> d).max()
                .orElse(0)))
            .append(" | ").append(round(median(idle), 1)).append(" | ").append(round(median(load), 1)).append(" | ")
            .append(round(median(hwm), 1)).append(" | ").append(allValid ? "yes" : "NO").append(" |\n");
      }
      md.append('\n');
    }
    if (!invalidRuns.isEmpty()) {
      md.append("## Invalid runs (excluded from every figure above)\n\n");
      for (JsonNode b : invalidRuns) {
        md.append("- `").append(b.path("label").asText()).append("`: ");
        List<String> reasons = new ArrayList<>();
        b.path("reasons").forEach(x -> reasons.add(x.asText()));
        md.append(String.join("; ", reasons));
        if (b.path("notes").size() > 0) {
          List<String> notes = new ArrayList<>();
          b.path("notes").forEach(x -> notes.add(x.asText()));
          md.append(" (").append(String.join("; ", notes)).append(')');
        }
        md.append('\n');
      }
      md.append('\n');
    }
    Files.writeString(dir.resolve("results.json"), json.writeValueAsString(out));
    Files.writeString(dir.resolve("results.md"), md.toString());
    System.out.println("report: wrote " + dir.resolve("results.md") + " and results.json");
  }

  private ObjectNode row(Group g) {
    ObjectNode r = json.createObjectNode();
    r.put("scenario", g.scenario);
    r.put("variant", g.variant);
    r.put("target", g.target);
    r.put("runs", g.valid.size() + g.invalid.size());
    r.put("valid_runs", g.valid.size());
    if (g.unavailable != null) {
      r.put("unavailable", g.unavailable);
    }
    if (g.valid.isEmpty()) {
      return r;
    }
    Histogram pooled = null;
    Map<String, List<Double>> perRep = new LinkedHashMap<>();
    List<Double> cpu = new ArrayList<>();
    List<Double> vcpu = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    List<Double> hwm = new ArrayList<>();
    for (JsonNode n : g.valid) {
      Histogram h = decode(n.path("histograms").path("intended").asText());
      if (pooled == null) {
        pooled = h.copy();
      } else {
        pooled.add(h);
      }
      for (int i = 0; i < PCTS.length; i++) {
        perRep.computeIfAbsent(PCTS[i], k -> new ArrayList<>()).add((double) h.getValueAtPercentile(PCT_VALUES[i]));
      }
      double cpuS = 0;
      double rssKb = 0;
      double hwmKb = 0;
      boolean any = false;
      for (JsonNode p : n.path("processes")) {
        if (p.path("name").asText().startsWith("proxy") && p.path("cpu_s").asDouble(-1) >= 0) {
          any = true;
          cpuS += p.path("cpu_s").asDouble();
          rssKb += p.path("vm_rss_kb").asDouble();
          hwmKb += p.path("vm_hwm_kb").asDouble();
        }
      }
      long ok = n.path("ok").asLong();
      if (any && ok > 0) {
        cpu.add(cpuS * 1e6 / ok);
        vcpu.add(cpuS / n.path("duration_s").asDouble(1) / n.path("achieved_rate").asDouble(1) * 1000);
        rss.add(rssKb / 1024);
        hwm.add(hwmKb / 1024);
      }
    }
    ObjectNode p = r.putObject("pooled");
    p.put("count", pooled.getTotalCount());
    for (int i = 0; i < PCTS.length; i++) {
      p.put(PCTS[i], pooled.getValueAtPercentile(PCT_VALUES[i]));
    }
    p.put("max", pooled.getMaxValue());
    ObjectNode reps = r.putObject("per_repetition");
    for (Map.Entry<String, List<Double>> e : perRep.entrySet()) {
      ObjectNode o = reps.putObject(e.getKey());
      o.put("median", median(e.getValue()));
      o.put("min", e.getValue().stream().mapToDouble(d -> d).min().orElse(0));
      o.put("max", e.getValue().stream().mapToDouble(d -> d).max().orElse(0));
    }
    if (!cpu.isEmpty()) {
      r.put("cpu_us_per_request", round(median(cpu), 1));
      r.put("vcpu_per_1000rps", round(median(vcpu), 4));
      r.put("rss_mb", round(median(rss), 1));
      r.put("hwm_mb", round(median(hwm), 1));
    }
    r.put("latency_unit", "us, from the intended send time");
    return r;
  }

  private ObjectNode findDirect(Map<String, Group> groups, String variant) {
    for (Group g : groups.values()) {
      if (g.target.equals("direct") && g.variant.equals(variant) && !g.valid.isEmpty()) {
        ObjectNode r = row(g);
        r.put("from_scenario", g.scenario);
        return r;
      }
    }
    return null;
  }

  private void added(ObjectNode r, ObjectNode direct) {
    if (!r.has("pooled") || direct == null || !direct.has("pooled") || r.path("target").asText().equals("direct")) {
      return;
    }
    ObjectNode a = r.putObject("added_us");
    for (String p : PCTS) {
      a.put(p, r.path("pooled").path(p).asLong() - direct.path("pooled").path(p).asLong());
    }
    if (direct.has("from_scenario")) {
      r.put("direct_baseline_from", direct.path("from_scenario").asText());
    }
  }

  private void mdRow(StringBuilder md, ObjectNode r) {
    md.append("| ").append(r.path("target").asText()).append(" | ");
    if (r.has("unavailable") && !r.has("pooled")) {
      md.append("– | unavailable: ").append(r.path("unavailable").asText().replace('|', '/'))
          .append(" | | | | | | | | | | | | | | |\n");
      return;
    }
    md.append(r.path("valid_runs").asInt()).append('/').append(r.path("runs").asInt()).append(" | ");
    if (!r.has("pooled")) {
      md.append("no valid run | | | | | | | | | | | | | | |\n");
      return;
    }
    JsonNode p = r.path("pooled");
    for (String k : List.of("p50", "p90", "p99", "p999", "max")) {
      md.append(p.path(k).asLong()).append(" | ");
    }
    JsonNode a = r.path("added_us");
    for (String k : List.of("p50", "p90", "p99")) {
      md.append(a.has(k) ? String.format(Locale.ROOT, "%+d", a.path(k).asLong()) : "–").append(" | ");
    }
    for (String k : List.of("p50", "p99")) {
      JsonNode v = r.path("per_repetition").path(k);
      md.append(String.format(Locale.ROOT, "%.0f [%.0f–%.0f]", v.path("median").asDouble(), v.path("min").asDouble(),
          v.path("max").asDouble())).append(" | ");
    }
    for (String ref : List.of("haproxy", "nginx")) {
      JsonNode ratio = r.path("ratio_vs_" + ref);
      md.append(ratio.isMissingNode() ? "–" : ratio.path("p50").asText() + ", " + ratio.path("p99").asText())
          .append(" | ");
    }
    md.append(r.has("cpu_us_per_request") ? r.path("cpu_us_per_request").asText() : "–").append(" | ");
    md.append(r.has("vcpu_per_1000rps") ? r.path("vcpu_per_1000rps").asText() : "–").append(" | ");
    md.append(r.has("rss_mb") ? r.path("rss_mb").asText() : "–").append(" |\n");
  }

  private static String scenarioNote(String s) {
    return switch (s) {
      case "S1" -> "One hop, HTTP/1.1 keep-alive, empty request, 1 KB response. Layout A: proxy alone on CPU1, client"
          + " and backend on CPU0; direct: client on CPU1, backend on CPU0. Δ = proxied − direct at the same rate and"
          + " connections.";
      case "S2" -> "Two hops, plaintext: client → proxy A → proxy B → backend. Layout B: client and A on CPU0, B and"
          + " backend on CPU1. **Δ covers the pair**; CPU and RSS are the sum of both proxies.";
      case "S3" -> "Two hops with mutual TLS 1.3 (TLS_AES_128_GCM_SHA256, P-256 ECDSA certificates from a CA made by"
          + " openssl for this run) between A and B; long-lived connections. Layout B. **Δ covers the pair**; CPU and"
          + " RSS are the sum of both proxies.";
      case "S4" -> "HTTP/2 cleartext (prior knowledge) or gRPC unary (1 KB message echoed) end to end where the proxy"
          + " can (haproxy h2 both sides, nginx grpc_pass for gRPC; nginx proxies plain h2 to HTTP/1.1). Layout A.";
      case "S5" -> "TCP passthrough, small-message ping-pong (haproxy mode tcp, nginx stream). Layout A.";
      case "S6" -> "Connection sweep at a fixed rate. Layout A.";
      default -> "";
    };
  }

  private void header(StringBuilder md, JsonNode env) {
    md.append("Latencies are in **µs**, measured by the Trellis open-loop load generator from each request's"
        + " *intended* send time (corrected for coordinated omission), pooled over the valid repetitions. Per-rep"
        + " columns give the median [min–max] of the per-repetition percentiles. Δ is the added latency against the"
        + " direct run at the same rate and connection count. CPU is utime+stime of the proxy process(es) over the"
        + " measured phase (10 ms clock ticks) divided by the requests answered.\n\n");
    md.append("| environment | |\n|---|---|\n");
    env.fields().forEachRemaining(e -> md.append("| ").append(e.getKey()).append(" | ")
        .append(e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString())
        .append(" |\n"));
    JsonNode st = steal();
    if (st.has("max")) {
      md.append("| vmstat steal % (mean / max over the run) | ").append(st.path("mean").asText()).append(" / ")
          .append(st.path("max").asText()).append(" |\n");
    }
    md.append('\n');
  }

  private JsonNode steal() {
    ObjectNode o = json.createObjectNode();
    Path f = dir.resolve("logs/vmstat.txt");
    if (!Files.exists(f)) {
      return o;
    }
    try {
      int col = -1;
      List<Double> values = new ArrayList<>();
      for (String line : Files.readAllLines(f)) {
        String[] t = line.trim().split("\\s+");
        if (col < 0) {
          for (int i = 0; i < t.length; i++) {
            if (t[i].equals("st")) {
              col = i;
            }
          }
        } else if (t.length > col && t[col].matches("\\d+")) {
          values.add(Double.parseDouble(t[col]));
        }
      }
      if (values.size() > 1) {
        values.remove(0); // vmstat's first line is the average since boot
        o.put("samples", values.size());
        o.put("mean", round(values.stream().mapToDouble(d -> d).average().orElse(0), 2));
        o.put("max", values.stream().mapToDouble(d -> d).max().orElse(0));
      }
    } catch (IOException e) {
      o.put("error", e.toString());
    }
    return o;
  }

  private static int scenarioOrder(String s) {
    return s.length() > 1 && Character.isDigit(s.charAt(1)) ? Integer.parseInt(s.substring(1).replaceAll("\\D.*", ""))
        : 99;
  }

  static Histogram decode(String base64) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
    } catch (java.util.zip.DataFormatException e) {
      throw new IllegalArgumentException("bad histogram", e);
    }
  }

  static double median(List<Double> v) {
    List<Double> s = v.stream().sorted().toList();
    int n = s.size();
    return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  static double ratio(double ours, double theirs) {
    if (Double.isNaN(ours) || Double.isNaN(theirs) || theirs == 0) {
      return Double.NaN;
    }
    return round(ours / theirs, 2);
  }

  static double round(double v, int places) {
    double f = Math.pow(10, places);
    return Math.round(v * f) / f;
  }
}
