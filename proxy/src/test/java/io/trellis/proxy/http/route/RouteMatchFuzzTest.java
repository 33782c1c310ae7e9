package io.trellis.proxy.http.route;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.trellis.common.ConfigException;

/**
 * Fuzzes the per-request path (untrusted input: method, path, authority, headers) against a table that uses every
 * matcher and action kind: matching and every accessor of the result must never throw. Also fuzzes compilation of
 * arbitrary RouteConfiguration messages: the only failure allowed is a {@link ConfigException}. Runs in regression
 * mode over {@code RouteMatchFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class RouteMatchFuzzTest {
  private static final RouteTable TABLE = Routes.table("""
      request_headers_to_add: [{header: {key: x-a, value: a}, append_action: ADD_IF_ABSENT}]
      virtual_hosts:
      - name: main
        domains: [api.example.com, "*.example.com", "shop.*"]
        response_headers_to_remove: [server]
        routes:
        - match: {safe_regex: {regex: '/users/([0-9]+)/(.*)'}, headers: [{name: x-v, range_match: {start: 1, end: 9}}]}
          route: {cluster: users, regex_rewrite: {pattern: {regex: '/users/([0-9]+)/(.*)'}, substitution: '/u/\\2/\\1'}}
        - match: {prefix: /api/, case_sensitive: false, query_parameters: [{name: v, string_match: {contains: x}}]}
          route: {cluster: api, prefix_rewrite: /, host_rewrite_literal: api.internal}
        - match: {path_separated_prefix: /docs, headers: [{name: x-e, string_match: {suffix: z, ignore_case: true},
            invert_match: true, treat_missing_header_as_empty: true}]}
          redirect:
            https_redirect: true
            strip_query: true
            regex_rewrite: {pattern: {regex: 'd(o)'}, substitution: '\\1\\0'}
        - match: {prefix: /w, grpc: {}}
          route: {weighted_clusters: {clusters: [{name: w1, weight: 3}, {cluster_header: x-c, weight: 5}]}}
        - match: {prefix: /h}
          route: {cluster_header: ':authority'}
        - match: {prefix: /}
          direct_response: {status: 404, body: {inline_string: nope}}
      - name: fallback
        domains: ["*"]
        routes:
        - match: {prefix: /}
          redirect: {host_redirect: example.com, port_redirect: 8443, path_redirect: /x, response_code: SEE_OTHER}
      """);

  @FuzzTest(maxDuration = "2m")
  void match(FuzzedDataProvider data) {
    String method = data.consumeString(8);
    String authority = data.consumeString(64);
    String path = data.consumeString(200);
    HttpHeaders headers = new DefaultHttpHeaders(false);
    int n = data.consumeInt(0, 6);
    for (int i = 0; i < n; i++) {
      String name = data.consumeString(12);
      String value = data.consumeString(40);
      if (!name.isEmpty()) {
        headers.add(name, value);
      }
    }
    RequestHead req = RequestHead.of(method, path, authority, data.consumeBoolean() ? "http" : "https", headers);
    RouteMatch m = TABLE.match(req, data.consumeLong());
    if (m == null) {
      return;
    }
    assertThat(m.isClusterRoute() ^ m.isRedirect() ^ m.isDirectResponse()).isTrue();
    m.rewritePath(path);
    if (m.isRedirect()) {
      assertThat(m.redirectLocation(req)).contains("://");
    }
    HttpHeaders copy = new DefaultHttpHeaders(false).add(headers);
    m.applyRequestHeaders(copy);
    m.applyResponseHeaders(copy);
    m.upgradeAllowed(method, true);
  }

  @FuzzTest(maxDuration = "2m")
  void compile(byte[] input) {
    RouteConfiguration config;
    try {
      config = RouteConfiguration.parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    try {
      RouteTable t = RouteTable.compile(config, "rc");
      t.match(RequestHead.of("GET", "/", "a", "http", new DefaultHttpHeaders()), 1);
    } catch (ConfigException e) {
      assertThat(e.diagnostics()).isNotEmpty();
      assertThat(e.diagnostics()).allSatisfy(d -> assertThat(d.path()).startsWith("rc"));
    }
  }
}
