package io.trellis.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.trellis.proxy.http.route.RequestHead;
import io.trellis.proxy.http.route.RouteMatch;
import io.trellis.proxy.http.route.RouteTable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Route matching against a table of 52 routes in 4 virtual hosts (prefix, path, regex and header routes, one weighted
 * split), for requests that hit early, late, on a regex route, on a header route, and miss. Run with
 * {@code java -cp "bench/target/classes:bench/target/lib/*" org.openjdk.jmh.Main RouteMatchBenchmark -prof gc} after
 * {@code ./mvnw -pl bench -am -DskipTests package}; {@code -prof gc} shows the allocation per match.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBenchmark {
  private RouteTable table;
  private RequestHead firstRoute;
  private RequestHead lastPrefixRoute;
  private RequestHead regexRoute;
  private RequestHead headerRoute;
  private RequestHead weighted;
  private RequestHead wildcardHost;
  private RequestHead miss;
  private long random;

  /** The route table: 4 virtual hosts; the main one has 40 prefix routes, 6 regex routes and 4 header routes. */
  static String config() {
    StringBuilder y = new StringBuilder("""
        name: bench
        virtual_hosts:
        - name: other1
          domains: [other1.example.com, other1.internal]
          routes: [{match: {prefix: /}, route: {cluster: other1}}]
        - name: other2
          domains: ["*.other2.example.com"]
          routes: [{match: {prefix: /}, route: {cluster: other2}}]
        - name: main
          domains: [api.example.com, "api.example.com:8080"]
          routes:
        """);
    for (int i = 0; i < 4; i++) {
      y.append("  - match: {prefix: /svc").append(i).append(", headers: [{name: x-canary, exact_match: \"true\"}]}\n")
          .append("    route: {cluster: canary").append(i).append("}\n");
    }
    for (int i = 0; i < 6; i++) {
      y.append("  - match: {safe_regex: {regex: '/users/[0-9]+/orders").append(i).append("/[a-z0-9-]+'}}\n")
          .append("    route: {cluster: orders").append(i).append("}\n");
    }
    for (int i = 0; i < 40; i++) {
      y.append("  - match: {prefix: /svc").append(i).append("/}\n")
          .append("    route: {cluster: svc").append(i).append(", prefix_rewrite: /}\n");
    }
    y.append("""
          - match: {prefix: /split}
            route: {weighted_clusters: {clusters: [{name: blue, weight: 90}, {name: green, weight: 10}]}}
        - name: fallback
          domains: ["*"]
          routes: [{match: {path: /health}, direct_response: {status: 200}}]
        """);
    return y.toString();
  }

  @Setup
  public void setup() throws Exception {
    RouteConfiguration.Builder b = RouteConfiguration.newBuilder();
    JsonFormat.parser().merge(new ObjectMapper(new YAMLFactory()).readTree(config()).toString(), b);
    table = RouteTable.compile(b.build(), "route_config");
    firstRoute = req("api.example.com", "/svc0/items?id=1");
    lastPrefixRoute = req("api.example.com:8080", "/svc39/items?id=1");
    regexRoute = req("api.example.com", "/users/12345/orders5/abc-123");
    HttpHeaders canary = headers();
    canary.set("x-canary", "true");
    headerRoute = RequestHead.of("GET", "/svc2/items", "api.example.com", "http", canary);
    weighted = req("api.example.com", "/split/x");
    wildcardHost = req("a.b.other2.example.com", "/x");
    miss = req("api.example.com", "/nothing/here");
    random = 0x9E3779B97F4A7C15L;
    check(firstRoute, "svc0");
    check(lastPrefixRoute, "svc39");
    check(regexRoute, "orders5");
    check(headerRoute, "canary2");
    check(wildcardHost, "other2");
    if (table.match(miss, 0) != null) {
      throw new IllegalStateException("expected no match for " + miss.path());
    }
  }

  private void check(RequestHead r, String cluster) {
    RouteMatch m = table.match(r, 0);
    if (m == null || !m.clusterName().equals(cluster)) {
      throw new IllegalStateException("expected " + cluster + " for " + r.path() + ", got " + m);
    }
  }

  private static HttpHeaders headers() {
    HttpHeaders h = new DefaultHttpHeaders();
    h.set("user-agent", "bench/1.0");
    h.set("accept", "*/*");
    h.set("x-request-id", "5b6c2a3e-7d7f-4c1e-9a55-0f0b3c1d2e4f");
    return h;
  }

  private static RequestHead req(String authority, String path) {
    return RequestHead.of("GET", path, authority, "http", headers());
  }

  /** A prefix route behind 4 header routes and 6 regex routes: the header routes fail on the path first. */
  @Benchmark
  public RouteMatch firstPrefixRoute() {
    return table.match(firstRoute, random);
  }

  /** The 40th prefix route: scans 49 routes, with the port stripped from the authority. */
  @Benchmark
  public RouteMatch lastPrefixRoute() {
    return table.match(lastPrefixRoute, random);
  }

  /** The 6th regex route (RE2J full match on the path). */
  @Benchmark
  public RouteMatch regexRoute() {
    return table.match(regexRoute, random);
  }

  /** A route selected by a header exact match. */
  @Benchmark
  public RouteMatch headerRoute() {
    return table.match(headerRoute, random);
  }

  /** The weighted split after every other route of the host. */
  @Benchmark
  public RouteMatch weightedSplit() {
    random += 0x9E3779B97F4A7C15L;
    return table.match(weighted, random);
  }

  /** A suffix-wildcard virtual host with one route. */
  @Benchmark
  public RouteMatch wildcardVirtualHost() {
    return table.match(wildcardHost, random);
  }

  /** No route matches: every route of the host is tried (the 404 NR path). */
  @Benchmark
  public RouteMatch miss() {
    return table.match(miss, random);
  }

  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(RouteMatchBenchmark.class.getSimpleName()).build()).run();
  }
}
