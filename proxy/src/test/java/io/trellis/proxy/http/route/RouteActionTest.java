package io.trellis.proxy.http.route;

import static io.trellis.proxy.http.route.Routes.req;
import static io.trellis.proxy.http.route.Routes.table;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RouteActionTest {

  @Test
  void weightedClustersSplitByWeightWithinOnePercent() {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /}
            route:
              weighted_clusters:
                clusters:
                - {name: v1, weight: 70}
                - {name: v2, weight: 20}
                - {name: v3, weight: 10}
                - {name: never, weight: 0}
        """);
    int n = 200_000;
    SplittableRandom rnd = new SplittableRandom(42);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(t.match(req("h", "/"), rnd.nextLong()).clusterName(), 1, Integer::sum);
    }
    System.out.printf("weighted split over %d picks: %s%n", n, counts);
    assertThat(counts).doesNotContainKey("never");
    // Tolerance: one percentage point (the binomial standard deviation at 200k picks is about 0.1 point).
    assertThat(counts.get("v1") / (double) n).isCloseTo(0.70, org.assertj.core.data.Offset.offset(0.01));
    assertThat(counts.get("v2") / (double) n).isCloseTo(0.20, org.assertj.core.data.Offset.offset(0.01));
    assertThat(counts.get("v3") / (double) n).isCloseTo(0.10, org.assertj.core.data.Offset.offset(0.01));
    assertThat(t.referencedClusters()).containsExactlyInAnyOrder("v1", "v2", "v3", "never");
  }

  @Test
  void weightedPickIsRandomModuloTotalAsEnvoy() {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /}
            route:
              weighted_clusters:
                total_weight: 10
                clusters: [{name: a, weight: 3}, {name: b, weight: 7}]
        """);
    assertThat(t.match(req("h", "/"), 0).clusterName()).isEqualTo("a");
    assertThat(t.match(req("h", "/"), 2).clusterName()).isEqualTo("a");
    assertThat(t.match(req("h", "/"), 3).clusterName()).isEqualTo("b");
    assertThat(t.match(req("h", "/"), 9).clusterName()).isEqualTo("b");
    assertThat(t.match(req("h", "/"), 12).clusterName()).isEqualTo("a");
    assertThat(t.match(req("h", "/"), -1L).clusterName()).isEqualTo("b"); // unsigned: 2^64-1 mod 10 = 5
    // The same pick object is shared: no allocation per request.
    assertThat(t.match(req("h", "/"), 0)).isSameAs(t.match(req("h", "/"), 1));
  }

  @Test
  void clusterHeaderUsesTheFirstValueAndEmptyWhenMissing() {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /}
            route: {cluster_header: x-cluster, cluster_not_found_response_code: NOT_FOUND}
        """);
    RouteMatch m = t.match(req("h", "/", "x-cluster", "backend"), 0);
    assertThat(m.clusterName()).isEqualTo("backend");
    assertThat(m.clusterNotFoundResponseCode()).isEqualTo(404);
    assertThat(t.match(req("h", "/", "x-cluster", "one", "x-cluster", "two"), 0).clusterName()).isEqualTo("one");
    assertThat(t.match(req("h", "/"), 0).clusterName()).isEmpty();
    assertThat(t.referencedClusters()).isEmpty();
  }

  @Test
  void defaultsOfAClusterRoute() {
    RouteTable t = table("""
        name: local
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - name: all
            match: {prefix: /}
            route: {cluster: c}
        """);
    RouteMatch m = t.match(req("h", "/a?b"), 0);
    assertThat(m.isClusterRoute()).isTrue();
    assertThat(m.isRedirect()).isFalse();
    assertThat(m.isDirectResponse()).isFalse();
    assertThat(m.virtualHostName()).isEqualTo("vh");
    assertThat(m.routeName()).isEqualTo("all");
    assertThat(m.clusterNotFoundResponseCode()).isEqualTo(503);
    assertThat(m.timeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(m.idleTimeout()).isNull();
    assertThat(m.hostRewrite()).isNull();
    assertThat(m.autoHostRewrite()).isFalse();
    assertThat(m.rewritePath("/a?b")).isEqualTo("/a?b");
    assertThat(m.upgradeAllowed("websocket")).isFalse();
    assertThat(m.upgradeAllowed("websocket", true)).isTrue();
    assertThat(t.name()).isEqualTo("local");
  }

  @Test
  void timeoutsHostRewriteAndUpgrades() {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /ws}
            route:
              cluster: c
              timeout: 0s
              idle_timeout: 2.5s
              host_rewrite_literal: upstream.internal
              upgrade_configs: [{upgrade_type: websocket}, {upgrade_type: h2c, enabled: false}]
          - match: {prefix: /}
            route:
              cluster: c
              timeout: 30s
              auto_host_rewrite: true
              cluster_not_found_response_code: INTERNAL_SERVER_ERROR
        """);
    RouteMatch ws = t.match(req("h", "/ws"), 0);
    assertThat(ws.timeout()).isEqualTo(Duration.ZERO);
    assertThat(ws.idleTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(ws.hostRewrite()).isEqualTo("upstream.internal");
    assertThat(ws.upgradeAllowed("WebSocket")).isTrue();
    assertThat(ws.upgradeAllowed("h2c", true)).isFalse();
    assertThat(ws.upgradeAllowed("other", true)).isTrue();
    RouteMatch other = t.match(req("h", "/x"), 0);
    assertThat(other.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(other.autoHostRewrite()).isTrue();
    assertThat(other.clusterNotFoundResponseCode()).isEqualTo(500);
  }

  static Stream<Arguments> rewriteCases() {
    return Stream.of(
        Arguments.of("{prefix: /api}", "prefix_rewrite: /v2", "/api/users?x=1", "/v2/users?x=1"),
        Arguments.of("{prefix: /api/}", "prefix_rewrite: /", "/api/users", "/users"),
        Arguments.of("{prefix: /api}", "prefix_rewrite: /", "/api/users", "//users"), // Envoy's documented quirk
        Arguments.of("{prefix: /API, case_sensitive: false}", "prefix_rewrite: /x", "/api/y", "/x/y"),
        Arguments.of("{path: /old}", "prefix_rewrite: /new", "/old?q", "/new?q"),
        Arguments.of("{path_separated_prefix: /svc}", "prefix_rewrite: /v1", "/svc/a", "/v1/a"),
        Arguments.of("{safe_regex: {regex: '/r/.*'}}", "prefix_rewrite: /whole", "/r/a?q=1", "/whole?q=1"),
        Arguments.of("{prefix: /}",
            "regex_rewrite: {pattern: {regex: '^/service/([^/]+)(/.*)$'}, substitution: '\\2/instance/\\1'}",
            "/service/foo/v1/api?x=1", "/v1/api/instance/foo?x=1"),
        Arguments.of("{prefix: /}", "regex_rewrite: {pattern: {regex: 'o'}, substitution: '0'}", "/foo/boo?o=o",
            "/f00/b00?o=o"),
        Arguments.of("{prefix: /}", "regex_rewrite: {pattern: {regex: '^/aaa$'}, substitution: '/b\\\\c$1'}",
            "/aaa", "/b\\c$1"),
        Arguments.of("{prefix: /}", "regex_rewrite: {pattern: {regex: 'zzz'}, substitution: 'y'}", "/abc?zzz",
            "/abc?zzz"));
  }

  @ParameterizedTest(name = "{0} + {1}: {2} -> {3}")
  @MethodSource("rewriteCases")
  void pathRewrites(String match, String rewrite, String path, String expected) {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: %s
            route: {cluster: c, %s}
        """.formatted(match, rewrite));
    RouteMatch m = t.match(req("h", path), 0);
    assertThat(m).as("route matched").isNotNull();
    assertThat(m.rewritePath(path)).isEqualTo(expected);
  }

  static Stream<Arguments> redirectCases() {
    return Stream.of(
        // scheme / https_redirect: the default port of the old scheme is dropped
        Arguments.of("{https_redirect: true}", "http", "a.com", "/p?q=1", 301, "https://a.com/p?q=1"),
        Arguments.of("{https_redirect: true}", "http", "a.com:80", "/p", 301, "https://a.com/p"),
        Arguments.of("{https_redirect: true}", "http", "a.com:8080", "/p", 301, "https://a.com:8080/p"),
        Arguments.of("{scheme_redirect: HTTP}", "https", "a.com:443", "/p", 301, "http://a.com/p"),
        Arguments.of("{scheme_redirect: https}", "https", "a.com:443", "/p", 301, "https://a.com:443/p"),
        // host and port
        Arguments.of("{host_redirect: b.com}", "http", "a.com:8080", "/p", 301, "http://b.com/p"),
        Arguments.of("{port_redirect: 8443}", "http", "a.com:8080", "/p", 301, "http://a.com:8443/p"),
        Arguments.of("{port_redirect: 8443}", "http", "[::1]:8080", "/p", 301, "http://[::1]:8443/p"),
        Arguments.of("{host_redirect: b.com, port_redirect: 9}", "http", "a.com", "/p", 301, "http://b.com:9/p"),
        // path_redirect keeps the request's query unless it has its own
        Arguments.of("{path_redirect: /new}", "http", "a.com", "/old?x=1", 301, "http://a.com/new?x=1"),
        Arguments.of("{path_redirect: '/new?y=2'}", "http", "a.com", "/old?x=1", 301, "http://a.com/new?y=2"),
        Arguments.of("{path_redirect: '/new?y=2', strip_query: true}", "http", "a.com", "/old?x=1", 301,
            "http://a.com/new?y=2"),
        Arguments.of("{path_redirect: new}", "http", "a.com", "/old", 301, "http://a.com/new"),
        // strip_query
        Arguments.of("{strip_query: true}", "http", "a.com", "/p?x=1", 301, "http://a.com/p"),
        Arguments.of("{path_redirect: /n, strip_query: true}", "http", "a.com", "/p?x=1", 301, "http://a.com/n"),
        // prefix_rewrite and regex_rewrite of the path
        Arguments.of("{prefix_rewrite: /new}", "http", "a.com", "/old/x?y", 301, "http://a.com/new/x?y"),
        Arguments.of("{prefix_rewrite: /new, strip_query: true}", "http", "a.com", "/old/x?y", 301,
            "http://a.com/new/x"),
        Arguments.of("{regex_rewrite: {pattern: {regex: '^/old/(.*)$'}, substitution: '/v2/\\1'}}", "http",
            "a.com", "/old/x?y", 301, "http://a.com/v2/x?y"),
        // response codes
        Arguments.of("{response_code: FOUND}", "http", "a.com", "/old", 302, "http://a.com/old"),
        Arguments.of("{response_code: SEE_OTHER}", "http", "a.com", "/old", 303, "http://a.com/old"),
        Arguments.of("{response_code: TEMPORARY_REDIRECT}", "http", "a.com", "/old", 307, "http://a.com/old"),
        Arguments.of("{response_code: PERMANENT_REDIRECT}", "http", "a.com", "/old", 308, "http://a.com/old"));
  }

  @ParameterizedTest(name = "{0} for {1}://{2}{3} -> {4} {5}")
  @MethodSource("redirectCases")
  void redirects(String redirect, String scheme, String authority, String path, int status, String location) {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /old}
            redirect: %s
          - match: {prefix: /}
            redirect: %s
        """.formatted(redirect, redirect));
    RequestHead r =
        RequestHead.of("GET", path, authority, scheme, new io.netty.handler.codec.http.DefaultHttpHeaders());
    RouteMatch m = t.match(r, 0);
    assertThat(m.isRedirect()).isTrue();
    assertThat(m.isClusterRoute()).isFalse();
    assertThat(m.clusterName()).isEmpty();
    assertThat(m.redirectStatus()).isEqualTo(status);
    assertThat(m.redirectLocation(r)).isEqualTo(location);
  }

  @Test
  void directResponses() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("body", ".txt");
    try {
      java.nio.file.Files.writeString(file, "from a file\n");
      RouteTable t = table("""
          virtual_hosts:
          - name: vh
            domains: ["*"]
            routes:
            - match: {path: /health}
              direct_response: {status: 200, body: {inline_string: "ok"}}
            - match: {path: /bytes}
              direct_response: {status: 503, body: {inline_bytes: "aGVsbG8="}}
            - match: {path: /file}
              direct_response: {status: 200, body: {filename: "%s"}}
            - match: {prefix: /}
              direct_response: {status: 404}
          """.formatted(file.toString().replace("\\", "/")));
      RouteMatch health = t.match(req("h", "/health"), 0);
      assertThat(health.isDirectResponse()).isTrue();
      assertThat(health.directStatus()).isEqualTo(200);
      assertThat(health.directBody()).isEqualTo("ok");
      assertThat(t.match(req("h", "/bytes"), 0).directBody()).isEqualTo("hello");
      assertThat(t.match(req("h", "/bytes"), 0).directStatus()).isEqualTo(503);
      assertThat(t.match(req("h", "/file"), 0).directBody()).isEqualTo("from a file\n");
      RouteMatch notFound = t.match(req("h", "/other"), 0);
      assertThat(notFound.directStatus()).isEqualTo(404);
      assertThat(notFound.directBody()).isNull();
      assertThat(notFound.redirectLocation(req("h", "/other"))).isNull();
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }
}
