package io.trellis.proxy.http.route;

import static io.trellis.proxy.http.route.Routes.req;
import static io.trellis.proxy.http.route.Routes.table;
import static io.trellis.proxy.http.route.Routes.target;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven: each case is a one-route table (plus a catch-all "fallback"), a request and the expected cluster. */
class RouteMatchingTest {

  /** A table whose first route has {@code match} and goes to "hit"; a second route "/" goes to "fallback". */
  private static RouteTable oneRoute(String match) {
    return table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: %s
            route: {cluster: hit}
          - match: {prefix: /}
            route: {cluster: fallback}
        """.formatted(match));
  }

  static Stream<Arguments> pathCases() {
    return Stream.of(
        // prefix
        Arguments.of("{prefix: /api}", "/api", "hit"),
        Arguments.of("{prefix: /api}", "/api/v1?x=1", "hit"),
        Arguments.of("{prefix: /api}", "/apix", "hit"),
        Arguments.of("{prefix: /api}", "/ap", "fallback"),
        Arguments.of("{prefix: /api}", "/API", "fallback"),
        Arguments.of("{prefix: /api, case_sensitive: false}", "/API/v1", "hit"),
        Arguments.of("{prefix: '/api?x'}", "/api?x=1", "fallback"), // the query is not part of the matched path
        Arguments.of("{prefix: ''}", "/anything", "hit"),
        // path (exact)
        Arguments.of("{path: /health}", "/health", "hit"),
        Arguments.of("{path: /health}", "/health?full=1", "hit"),
        Arguments.of("{path: /health}", "/health#frag", "hit"),
        Arguments.of("{path: /health}", "/health/", "fallback"),
        Arguments.of("{path: /health}", "/HEALTH", "fallback"),
        Arguments.of("{path: /health, case_sensitive: false}", "/HEALTH", "hit"),
        // safe_regex: full match, RE2 syntax, without query
        Arguments.of("{safe_regex: {regex: '/users/[0-9]+'}}", "/users/42", "hit"),
        Arguments.of("{safe_regex: {regex: '/users/[0-9]+'}}", "/users/42?x=y", "hit"),
        Arguments.of("{safe_regex: {regex: '/users/[0-9]+'}}", "/users/42/posts", "fallback"),
        Arguments.of("{safe_regex: {regex: '/users/[0-9]+'}}", "/v1/users/42", "fallback"),
        Arguments.of("{safe_regex: {regex: '/users/\\d+'}}", "/users/7", "hit"),
        Arguments.of("{safe_regex: {regex: '(?i)/users'}}", "/USERS", "hit"),
        // path_separated_prefix
        Arguments.of("{path_separated_prefix: /api}", "/api", "hit"),
        Arguments.of("{path_separated_prefix: /api}", "/api/v1", "hit"),
        Arguments.of("{path_separated_prefix: /api}", "/api?q", "hit"),
        Arguments.of("{path_separated_prefix: /api}", "/apiv1", "fallback"),
        Arguments.of("{path_separated_prefix: /api}", "/API/v1", "fallback"),
        Arguments.of("{path_separated_prefix: /api, case_sensitive: false}", "/API/v1", "hit"));
  }

  @ParameterizedTest(name = "{0} with {1} -> {2}")
  @MethodSource("pathCases")
  void pathMatchers(String match, String path, String expected) {
    assertThat(target(oneRoute(match), req("a.com", path))).isEqualTo(expected);
  }

  static Stream<Arguments> headerCases() {
    String any = "prefix: /, ";
    return Stream.of(
        // exact_match (deprecated form) and string_match exact
        Arguments.of("{name: x-env, exact_match: prod}", new String[] {"x-env", "prod"}, "hit"),
        Arguments.of("{name: x-env, exact_match: prod}", new String[] {"x-env", "Prod"}, "fallback"),
        Arguments.of("{name: x-env, exact_match: prod}", new String[] {}, "fallback"),
        Arguments.of("{name: X-Env, exact_match: prod}", new String[] {"x-env", "prod"}, "hit"),
        Arguments.of("{name: x-env, string_match: {exact: prod}}", new String[] {"x-env", "prod"}, "hit"),
        Arguments.of("{name: x-env, string_match: {exact: PROD, ignore_case: true}}",
            new String[] {"x-env", "prod"}, "hit"),
        Arguments.of("{name: x-env, string_match: {exact: PROD}}", new String[] {"x-env", "prod"}, "fallback"),
        // repeated header values are joined with ","
        Arguments.of("{name: x-env, exact_match: 'a,b'}", new String[] {"x-env", "a", "x-env", "b"}, "hit"),
        Arguments.of("{name: x-env, exact_match: a}", new String[] {"x-env", "a", "x-env", "b"}, "fallback"),
        // prefix / suffix / contains, old and string_match forms
        Arguments.of("{name: ua, prefix_match: curl/}", new String[] {"ua", "curl/8.0"}, "hit"),
        Arguments.of("{name: ua, prefix_match: curl/}", new String[] {"ua", "wget"}, "fallback"),
        Arguments.of("{name: ua, string_match: {prefix: CURL, ignore_case: true}}", new String[] {"ua", "curl/8"},
            "hit"),
        Arguments.of("{name: ua, suffix_match: '.0'}", new String[] {"ua", "curl/8.0"}, "hit"),
        Arguments.of("{name: ua, suffix_match: '.0'}", new String[] {"ua", "curl/8.1"}, "fallback"),
        Arguments.of("{name: ua, string_match: {suffix: '.1'}}", new String[] {"ua", "curl/8.1"}, "hit"),
        Arguments.of("{name: ua, contains_match: rl/8}", new String[] {"ua", "curl/8.1"}, "hit"),
        Arguments.of("{name: ua, contains_match: rl/9}", new String[] {"ua", "curl/8.1"}, "fallback"),
        Arguments.of("{name: ua, string_match: {contains: RL/8, ignore_case: true}}", new String[] {"ua", "curl/8"},
            "hit"),
        // safe_regex_match and string_match safe_regex (full match)
        Arguments.of("{name: v, safe_regex_match: {regex: '[0-9]+'}}", new String[] {"v", "123"}, "hit"),
        Arguments.of("{name: v, safe_regex_match: {regex: '[0-9]+'}}", new String[] {"v", "123a"}, "fallback"),
        Arguments.of("{name: v, string_match: {safe_regex: {regex: 'v[12]'}}}", new String[] {"v", "v2"}, "hit"),
        Arguments.of("{name: v, string_match: {safe_regex: {regex: 'v[12]'}}}", new String[] {"v", "v3"},
            "fallback"),
        // range_match [start, end)
        Arguments.of("{name: n, range_match: {start: 10, end: 20}}", new String[] {"n", "10"}, "hit"),
        Arguments.of("{name: n, range_match: {start: 10, end: 20}}", new String[] {"n", "19"}, "hit"),
        Arguments.of("{name: n, range_match: {start: 10, end: 20}}", new String[] {"n", "20"}, "fallback"),
        Arguments.of("{name: n, range_match: {start: -5, end: 0}}", new String[] {"n", "-1"}, "hit"),
        Arguments.of("{name: n, range_match: {start: 10, end: 20}}", new String[] {"n", "1x"}, "fallback"),
        Arguments.of("{name: n, range_match: {start: 10, end: 20}}", new String[] {"n", ""}, "fallback"),
        // present_match and a bare name
        Arguments.of("{name: x-debug, present_match: true}", new String[] {"x-debug", ""}, "hit"),
        Arguments.of("{name: x-debug, present_match: true}", new String[] {}, "fallback"),
        Arguments.of("{name: x-debug, present_match: false}", new String[] {}, "hit"),
        Arguments.of("{name: x-debug, present_match: false}", new String[] {"x-debug", "1"}, "fallback"),
        Arguments.of("{name: x-debug}", new String[] {"x-debug", "1"}, "hit"),
        Arguments.of("{name: x-debug}", new String[] {}, "fallback"),
        Arguments.of("{name: x-debug, present_match: true, invert_match: true}", new String[] {}, "hit"),
        // invert_match: inverts a present header's result; an absent header still fails
        Arguments.of("{name: x-env, exact_match: prod, invert_match: true}", new String[] {"x-env", "dev"}, "hit"),
        Arguments.of("{name: x-env, exact_match: prod, invert_match: true}", new String[] {"x-env", "prod"},
            "fallback"),
        Arguments.of("{name: x-env, exact_match: prod, invert_match: true}", new String[] {}, "fallback"),
        // treat_missing_header_as_empty
        Arguments.of("{name: x-env, exact_match: prod, invert_match: true, treat_missing_header_as_empty: true}",
            new String[] {}, "hit"),
        Arguments.of("{name: x-env, string_match: {exact: ''}, treat_missing_header_as_empty: true}",
            new String[] {}, "hit"),
        Arguments.of("{name: n, range_match: {start: 0, end: 9}, invert_match: true,"
            + " treat_missing_header_as_empty: true}", new String[] {}, "hit"),
        // pseudo-headers come from the request line
        Arguments.of("{name: ':method', exact_match: GET}", new String[] {}, "hit"),
        Arguments.of("{name: ':method', exact_match: POST}", new String[] {}, "fallback"),
        Arguments.of("{name: ':authority', exact_match: a.com}", new String[] {}, "hit"),
        Arguments.of("{name: ':scheme', exact_match: http}", new String[] {}, "hit"),
        Arguments.of("{name: ':path', string_match: {contains: 'q=1'}}", new String[] {}, "hit"));
  }

  @ParameterizedTest(name = "{0} with {1} -> {2}")
  @MethodSource("headerCases")
  void headerMatchers(String matcher, String[] headers, String expected) {
    RouteTable t = oneRoute("{prefix: /, headers: [" + matcher + "]}");
    assertThat(target(t, req("a.com", "/x?q=1", headers))).isEqualTo(expected);
  }

  static Stream<Arguments> queryCases() {
    return Stream.of(
        Arguments.of("{name: debug}", "/p?debug=1", "hit"),
        Arguments.of("{name: debug}", "/p?debug", "hit"),
        Arguments.of("{name: debug}", "/p?a=1&debug=&b=2", "hit"),
        Arguments.of("{name: debug}", "/p?debugger=1", "fallback"),
        Arguments.of("{name: debug}", "/p", "fallback"),
        Arguments.of("{name: debug}", "/p#?debug=1", "fallback"),
        Arguments.of("{name: debug, present_match: true}", "/p?x=1&debug=0", "hit"),
        Arguments.of("{name: v, string_match: {exact: '2'}}", "/p?v=2", "hit"),
        Arguments.of("{name: v, string_match: {exact: '2'}}", "/p?v=3", "fallback"),
        Arguments.of("{name: v, string_match: {exact: '2'}}", "/p?v=3&v=2", "fallback"), // first value only
        Arguments.of("{name: v, string_match: {exact: '2'}}", "/p?v=2#frag", "hit"),
        Arguments.of("{name: v, string_match: {exact: ''}}", "/p?v", "hit"),
        Arguments.of("{name: v, string_match: {prefix: 'ab'}}", "/p?v=abc", "hit"),
        Arguments.of("{name: v, string_match: {safe_regex: {regex: '[a-c]+'}}}", "/p?v=abc", "hit"),
        Arguments.of("{name: v, string_match: {safe_regex: {regex: '[a-c]+'}}}", "/p?v=abcd", "fallback"),
        Arguments.of("{name: v, string_match: {exact: 'a%20b'}}", "/p?v=a%20b", "hit")); // not URL-decoded
  }

  @ParameterizedTest(name = "{0} with {1} -> {2}")
  @MethodSource("queryCases")
  void queryParameterMatchers(String matcher, String path, String expected) {
    RouteTable t = oneRoute("{prefix: /p, query_parameters: [" + matcher + "]}");
    assertThat(target(t, req("a.com", path))).isEqualTo(expected);
  }

  static Stream<Arguments> grpcCases() {
    return Stream.of(
        Arguments.of("application/grpc", "hit"),
        Arguments.of("application/grpc+proto", "hit"),
        Arguments.of("application/grpc-web", "fallback"),
        Arguments.of("application/json", "fallback"),
        Arguments.of(null, "fallback"));
  }

  @ParameterizedTest(name = "content-type {0} -> {1}")
  @MethodSource("grpcCases")
  void grpcMatcher(String contentType, String expected) {
    RouteTable t = oneRoute("{prefix: /, grpc: {}}");
    String[] h = contentType == null ? new String[0] : new String[] {"content-type", contentType};
    assertThat(target(t, Routes.reqm("POST", "a.com", "/pkg.Svc/Call", h))).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void allConditionsMustHoldAndFirstMatchingRouteWins() {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /api, headers: [{name: x-canary, exact_match: "1"}], query_parameters: [{name: v2}]}
            route: {cluster: canary}
          - match: {prefix: /api/v1}
            route: {cluster: v1}
          - match: {prefix: /api}
            route: {cluster: api}
          - match: {prefix: /api/v1/never}
            route: {cluster: shadowed}
        """);
    assertThat(target(t, req("h", "/api/v1?v2", "x-canary", "1"))).isEqualTo("canary");
    assertThat(target(t, req("h", "/api/v1?v2"))).isEqualTo("v1");
    assertThat(target(t, req("h", "/api/v1", "x-canary", "1"))).isEqualTo("v1");
    assertThat(target(t, req("h", "/api/v1/never"))).isEqualTo("v1");
    assertThat(target(t, req("h", "/api/x"))).isEqualTo("api");
    assertThat(target(t, req("h", "/other"))).isNull();
    assertThat(t.referencedClusters()).containsExactlyInAnyOrder("canary", "v1", "api", "shadowed");
  }
}
