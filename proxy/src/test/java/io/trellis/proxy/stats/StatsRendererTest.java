package io.trellis.proxy.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.re2j.Pattern;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsRendererTest {
  private static StatsStore sample() {
    StatsStore s = new StatsStore();
    s.counter("cluster.backend.upstream_rq_total").add(7);
    s.counter("cluster.backend.upstream_rq_2xx").add(5);
    s.counter("cluster.backend.upstream_rq_503").add(2);
    s.counter("cluster.backend.upstream_cx_connect_fail"); // never used
    s.counter("http.ingress.downstream_rq_2xx").add(3);
    s.counter("http.ingress.downstream_rq_5xx").add(1);
    s.counter("listener.0.0.0.0_10000.downstream_cx_total").add(4);
    s.gauge("cluster.backend.upstream_cx_active").set(2);
    s.gauge("server.state").set(0);
    Histogram h = s.histogram("cluster.backend.upstream_rq_time");
    for (long v : new long[] {0, 1, 2, 3, 4, 7, 12, 40, 300, 1200}) {
      h.record(v);
    }
    s.histogram("http.ingress.downstream_rq_time"); // no values
    return s;
  }

  @Test
  void textIsSortedNameValueLinesThenHistogramQuantiles() {
    String text = StatsRenderer.text(sample(), StatsQuery.ALL);
    List<String> lines = text.lines().toList();
    assertThat(lines.subList(0, 9)).containsExactly(
        "cluster.backend.upstream_cx_active: 2",
        "cluster.backend.upstream_cx_connect_fail: 0",
        "cluster.backend.upstream_rq_2xx: 5",
        "cluster.backend.upstream_rq_503: 2",
        "cluster.backend.upstream_rq_total: 7",
        "http.ingress.downstream_rq_2xx: 3",
        "http.ingress.downstream_rq_5xx: 1",
        "listener.0.0.0.0_10000.downstream_cx_total: 4",
        "server.state: 0");
    assertThat(lines.get(9)).isEqualTo("cluster.backend.upstream_rq_time: P0(nan,0) P25(nan,2) P50(nan,4) "
        + "P75(nan,40) P90(nan,300) P95(nan,1200) P99(nan,1200) P99.5(nan,1200) P99.9(nan,1200) P100(nan,1200)");
    assertThat(lines.get(10)).isEqualTo("http.ingress.downstream_rq_time: No recorded values");
    assertThat(lines).hasSize(11);
  }

  @Test
  void intervalViewFillsAfterAFlushInterval() {
    StatsStore s = new StatsStore();
    Histogram h = s.histogram("x.rq_time");
    h.record(10);
    long now = System.nanoTime();
    assertThat(h.snapshot(now).intervalQuantiles()[2]).isNaN();
    HistogramSnapshot first = h.snapshot(now + Histogram.FLUSH_INTERVAL_NANOS + 1);
    assertThat(first.intervalQuantiles()[2]).isEqualTo(10.0);
    h.record(20);
    HistogramSnapshot second = h.snapshot(now + 2 * Histogram.FLUSH_INTERVAL_NANOS + 2);
    assertThat(second.intervalQuantiles()[0]).isEqualTo(20.0);
    assertThat(second.intervalQuantiles()[9]).isEqualTo(20.0);
    assertThat(second.cumulativeQuantiles()[0]).isEqualTo(10.0);
    assertThat(second.count()).isEqualTo(2);
    assertThat(second.sum()).isEqualTo(30);
    assertThat(h.cumulative().getTotalCount()).isEqualTo(2);
  }

  @Test
  void bucketCountsAreCumulativeAtEnvoysBounds() {
    org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(3);
    for (long v : new long[] {0, 1, 1, 5, 6, 3_600_000, 4_000_000}) {
      h.recordValue(v);
    }
    long[] b = HistogramSnapshot.buckets(h);
    assertThat(b[0]).isEqualTo(1); // <= 0.5
    assertThat(b[1]).isEqualTo(3); // <= 1
    assertThat(b[2]).isEqualTo(4); // <= 5
    assertThat(b[3]).isEqualTo(5); // <= 10
    assertThat(b[b.length - 2]).isEqualTo(5); // <= 1800000
    assertThat(b[b.length - 1]).isEqualTo(6); // <= 3600000
  }

  @Test
  void filterUsedOnlyAndType() {
    StatsStore s = sample();
    String filtered = StatsRenderer.text(s, new StatsQuery(Pattern.compile("rq_\\dxx"), false, StatsQuery.Type.ALL));
    assertThat(filtered.lines()).containsExactly("cluster.backend.upstream_rq_2xx: 5",
        "http.ingress.downstream_rq_2xx: 3", "http.ingress.downstream_rq_5xx: 1");
    String used = StatsRenderer.text(s, new StatsQuery(null, true, StatsQuery.Type.ALL));
    assertThat(used).doesNotContain("upstream_cx_connect_fail").doesNotContain("downstream_rq_time")
        .contains("server.state: 0").contains("cluster.backend.upstream_rq_time: P0");
    String gauges = StatsRenderer.text(s, new StatsQuery(null, false, StatsQuery.Type.GAUGES));
    assertThat(gauges.lines()).containsExactly("cluster.backend.upstream_cx_active: 2", "server.state: 0");
  }

  @Test
  void jsonHasEnvoysShape() throws Exception {
    JsonNode root = new ObjectMapper().readTree(StatsRenderer.json(sample(), StatsQuery.ALL));
    JsonNode stats = root.get("stats");
    assertThat(stats.get(0).get("name").asText()).isEqualTo("cluster.backend.upstream_cx_active");
    assertThat(stats.get(0).get("value").asLong()).isEqualTo(2);
    JsonNode hist = stats.get(stats.size() - 1).get("histograms");
    assertThat(hist.get("supported_quantiles").toString()).isEqualTo("[0,25,50,75,90,95,99,99.5,99.9,100]");
    JsonNode q = hist.get("computed_quantiles").get(0);
    assertThat(q.get("name").asText()).isEqualTo("cluster.backend.upstream_rq_time");
    assertThat(q.get("values").get(2).get("interval").isNull()).isTrue();
    assertThat(q.get("values").get(2).get("cumulative").asDouble()).isEqualTo(4.0);
    assertThat(q.get("values")).hasSize(10);
  }

  @Test
  void tagExtractionMatchesEnvoysDefaults() {
    TagExtractor t = TagExtractor.envoyDefaults();
    assertThat(t.extract("cluster.backend.upstream_rq_total"))
        .isEqualTo(new TagExtractor.Extracted("cluster.upstream_rq_total",
            List.of(new TagExtractor.Tag("envoy.cluster_name", "backend"))));
    assertThat(t.extract("http.ingress.downstream_rq_2xx").tags()).containsExactly(
        new TagExtractor.Tag("envoy.response_code_class", "2"),
        new TagExtractor.Tag("envoy.http_conn_manager_prefix", "ingress"));
    assertThat(t.extract("http.ingress.downstream_rq_2xx").name()).isEqualTo("http.downstream_rq_xx");
    assertThat(t.extract("cluster.backend.upstream_rq_503").name()).isEqualTo("cluster.upstream_rq");
    assertThat(t.extract("listener.0.0.0.0_10000.downstream_cx_total")).isEqualTo(new TagExtractor.Extracted(
        "listener.downstream_cx_total", List.of(new TagExtractor.Tag("envoy.listener_address", "0.0.0.0_10000"))));
    assertThat(t.extract("listener.[__1]_10000.downstream_cx_total").tags())
        .containsExactly(new TagExtractor.Tag("envoy.listener_address", "[__1]_10000"));
    assertThat(t.extract("listener.admin.downstream_cx_total").tags()).isEmpty();
    assertThat(t.extract("tcp.db.downstream_cx_total").name()).isEqualTo("tcp.downstream_cx_total");
    assertThat(t.extract("listener.127.0.0.1_80.worker_3.downstream_cx_active").tags()).containsExactly(
        new TagExtractor.Tag("envoy.worker_id", "3"), new TagExtractor.Tag("envoy.listener_address", "127.0.0.1_80"));
    assertThat(t.extract("vhost.web.vcluster.api.upstream_rq_total").tags()).containsExactly(
        new TagExtractor.Tag("envoy.virtual_cluster", "api"), new TagExtractor.Tag("envoy.virtual_host", "web"));
    assertThat(t.extract("server.uptime").tags()).isEmpty();
  }

  @Test
  void prometheusOutputParsesStrictlyAndCarriesEnvoysTags() {
    String text = StatsRenderer.prometheus(sample(), StatsQuery.ALL, TagExtractor.envoyDefaults());
    Map<String, PrometheusTextParser.Family> families = PrometheusTextParser.parse(text);
    assertThat(text).contains("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"backend\"} 7\n")
        .contains("envoy_http_downstream_rq_xx{envoy_response_code_class=\"2\",envoy_http_conn_manager_prefix="
            + "\"ingress\"} 3\n")
        .contains("envoy_listener_downstream_cx_total{envoy_listener_address=\"0.0.0.0_10000\"} 4\n")
        .contains("envoy_cluster_upstream_rq{envoy_response_code=\"503\",envoy_cluster_name=\"backend\"} 2\n")
        .contains("envoy_server_state 0\n");
    assertThat(families.get("envoy_http_downstream_rq_xx").type()).isEqualTo("counter");
    assertThat(families.get("envoy_http_downstream_rq_xx").samples()).hasSize(2);
    assertThat(families.get("envoy_cluster_upstream_cx_active").type()).isEqualTo("gauge");
    PrometheusTextParser.Family h = families.get("envoy_cluster_upstream_rq_time");
    assertThat(h.type()).isEqualTo("histogram");
    assertThat(h.samples()).hasSize(StatsRenderer.DEFAULT_BUCKETS.size() + 3);
    assertThat(text).contains("envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"0.5\"} 1\n")
        .contains("envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"5\"} 5\n")
        .contains("envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"1000\"} 9\n")
        .contains("envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"backend\",le=\"+Inf\"} 10\n")
        .contains("envoy_cluster_upstream_rq_time_sum{envoy_cluster_name=\"backend\"} 1569\n")
        .contains("envoy_cluster_upstream_rq_time_count{envoy_cluster_name=\"backend\"} 10\n");
    // Families are sorted, as Envoy prints them.
    List<String> names = List.copyOf(families.keySet());
    assertThat(names).isSorted();
  }

  @Test
  void prometheusEscapesLabelValuesAndSanitizesNames() {
    StatsStore s = new StatsStore();
    s.counter("cluster.we\"ird\\name-1.upstream_rq_total").inc();
    String text = StatsRenderer.prometheus(s, StatsQuery.ALL, TagExtractor.envoyDefaults());
    Map<String, PrometheusTextParser.Family> f = PrometheusTextParser.parse(text);
    assertThat(f.get("envoy_cluster_upstream_rq_total").samples().get(0).labels())
        .containsEntry("envoy_cluster_name", "we\"ird\\name-1");
    s.counter("some-stat.with:odd.chars").inc();
    assertThat(PrometheusTextParser.parse(StatsRenderer.prometheus(s, StatsQuery.ALL, TagExtractor.envoyDefaults())))
        .containsKey("envoy_some_stat_with_odd_chars");
  }

  @Test
  void strictParserRejectsMalformedExpositions() {
    assertThatThrownBy(() -> PrometheusTextParser.parse("a{b=\"c} 1\n")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PrometheusTextParser.parse("# TYPE a counter\na 1\n# TYPE b counter\nb 1\na 2\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PrometheusTextParser.parse("1a 1\n")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PrometheusTextParser.parse("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
        + "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void hotPathObjectsAreSharedByName() {
    StatsStore s = new StatsStore();
    assertThat(s.counter("a")).isSameAs(s.scope("").counter("a"));
    assertThat(s.findCounter("b")).isNull();
    assertThat(s.counters()).doesNotContainKey("b");
  }
}
