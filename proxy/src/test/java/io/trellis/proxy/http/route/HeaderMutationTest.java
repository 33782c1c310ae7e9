package io.trellis.proxy.http.route;

import static io.trellis.proxy.http.route.Routes.req;
import static io.trellis.proxy.http.route.Routes.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class HeaderMutationTest {

  /** Every level adds x-level (append) and sets x-set (overwrite) to its own name. */
  private static String levels(boolean mostSpecificWins) {
    return """
        most_specific_header_mutations_wins: %s
        request_headers_to_add:
        - {header: {key: x-level, value: config}}
        - {header: {key: x-set, value: config}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
        response_headers_to_add:
        - {header: {key: x-level, value: config}}
        - {header: {key: x-set, value: config}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
        virtual_hosts:
        - name: vh
          domains: ["*"]
          request_headers_to_add:
          - {header: {key: x-level, value: vhost}}
          - {header: {key: x-set, value: vhost}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
          response_headers_to_add:
          - {header: {key: x-level, value: vhost}}
          - {header: {key: x-set, value: vhost}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
          routes:
          - match: {prefix: /}
            request_headers_to_add:
            - {header: {key: x-level, value: route}}
            - {header: {key: x-set, value: route}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
            response_headers_to_add:
            - {header: {key: x-level, value: route}}
            - {header: {key: x-set, value: route}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
            route:
              weighted_clusters:
                clusters:
                - name: c
                  weight: 1
                  request_headers_to_add:
                  - {header: {key: x-level, value: cluster}}
                  - {header: {key: x-set, value: cluster}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
                  response_headers_to_add:
                  - {header: {key: x-level, value: cluster}}
                  - {header: {key: x-set, value: cluster}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
        """.formatted(mostSpecificWins);
  }

  @Test
  void defaultOrderIsWeightedClusterRouteVirtualHostRouteConfigSoTheLeastSpecificWins() {
    RouteMatch m = table(levels(false)).match(req("h", "/"), 0);
    HttpHeaders request = new DefaultHttpHeaders();
    m.applyRequestHeaders(request);
    assertThat(request.getAll("x-level")).containsExactly("cluster", "route", "vhost", "config");
    assertThat(request.getAll("x-set")).containsExactly("config");
    HttpHeaders response = new DefaultHttpHeaders();
    m.applyResponseHeaders(response);
    assertThat(response.getAll("x-level")).containsExactly("cluster", "route", "vhost", "config");
    assertThat(response.getAll("x-set")).containsExactly("config");
  }

  @Test
  void mostSpecificHeaderMutationsWinsReversesTheLevelsAfterTheWeightedCluster() {
    RouteMatch m = table(levels(true)).match(req("h", "/"), 0);
    HttpHeaders request = new DefaultHttpHeaders();
    m.applyRequestHeaders(request);
    assertThat(request.getAll("x-level")).containsExactly("cluster", "config", "vhost", "route");
    assertThat(request.getAll("x-set")).containsExactly("route");
  }

  @Test
  void appendActions() {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /}
            route: {cluster: c}
            request_headers_to_add:
            - {header: {key: x-append, value: new}}
            - {header: {key: x-append-absent, value: new}}
            - {header: {key: x-if-absent, value: new}, append_action: ADD_IF_ABSENT}
            - {header: {key: x-if-absent-missing, value: new}, append_action: ADD_IF_ABSENT}
            - {header: {key: x-overwrite, value: new}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
            - {header: {key: x-overwrite-missing, value: new}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
            - {header: {key: x-if-exists, value: new}, append_action: OVERWRITE_IF_EXISTS}
            - {header: {key: x-if-exists-missing, value: new}, append_action: OVERWRITE_IF_EXISTS}
            - {header: {key: x-legacy-append, value: new}, append: true}
            - {header: {key: x-legacy-set, value: new}, append: false}
        """);
    HttpHeaders h = new DefaultHttpHeaders();
    for (String name : new String[] {"x-append", "x-if-absent", "x-overwrite", "x-if-exists", "x-legacy-append",
        "x-legacy-set"}) {
      h.add(name, "old");
    }
    t.match(req("h", "/"), 0).applyRequestHeaders(h);
    assertThat(h.getAll("x-append")).containsExactly("old", "new");
    assertThat(h.getAll("x-append-absent")).containsExactly("new");
    assertThat(h.getAll("x-if-absent")).containsExactly("old");
    assertThat(h.getAll("x-if-absent-missing")).containsExactly("new");
    assertThat(h.getAll("x-overwrite")).containsExactly("new");
    assertThat(h.getAll("x-overwrite-missing")).containsExactly("new");
    assertThat(h.getAll("x-if-exists")).containsExactly("new");
    assertThat(h.contains("x-if-exists-missing")).isFalse();
    assertThat(h.getAll("x-legacy-append")).containsExactly("old", "new");
    assertThat(h.getAll("x-legacy-set")).containsExactly("new");
  }

  @Test
  void withinOneLevelRemovalsComeFirstThenOverwritesThenAppendsAllDecidedBeforeAnyIsApplied() {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /}
            route: {cluster: c}
            request_headers_to_remove: [x-gone, X-Replaced]
            request_headers_to_add:
            - {header: {key: x-replaced, value: appended}}
            - {header: {key: x-replaced, value: set}, append_action: OVERWRITE_IF_EXISTS_OR_ADD}
            - {header: {key: x-once, value: first}, append_action: ADD_IF_ABSENT}
            - {header: {key: x-once, value: second}, append_action: ADD_IF_ABSENT}
            - {header: {key: x-gone, value: back}, append_action: OVERWRITE_IF_EXISTS}
        """);
    HttpHeaders h = new DefaultHttpHeaders();
    h.add("x-gone", "1");
    h.add("x-replaced", "old");
    h.add("x-kept", "k");
    t.match(req("h", "/"), 0).applyRequestHeaders(h);
    assertThat(h.contains("x-gone")).as("removed, and OVERWRITE_IF_EXISTS sees it removed").isFalse();
    assertThat(h.getAll("x-replaced")).containsExactly("set", "appended");
    // Both ADD_IF_ABSENT entries saw the header absent, as in Envoy.
    assertThat(h.getAll("x-once")).containsExactly("first", "second");
    assertThat(h.get("x-kept")).isEqualTo("k");
  }

  @Test
  void emptyValuesAreSkippedUnlessKeptAndPercentPercentIsALiteralPercent() {
    RouteTable t = table("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /}
            route: {cluster: c}
            response_headers_to_add:
            - {header: {key: x-empty}}
            - {header: {key: x-kept-empty}, keep_empty_value: true}
            - {header: {key: x-percent, value: "100%% sure"}}
            - {header: {key: x-raw, raw_value: "cmF3"}}
            response_headers_to_remove: [server]
        """);
    HttpHeaders h = new DefaultHttpHeaders();
    h.add("server", "upstream");
    t.match(req("h", "/"), 0).applyResponseHeaders(h);
    assertThat(h.contains("x-empty")).isFalse();
    assertThat(h.get("x-kept-empty")).isEmpty();
    assertThat(h.get("x-percent")).isEqualTo("100% sure");
    assertThat(h.get("x-raw")).isEqualTo("raw");
    assertThat(h.contains("server")).isFalse();
  }

  @Test
  void manyEntriesOnOneLevelAreAllApplied() {
    StringBuilder yaml = new StringBuilder("""
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /}
            route: {cluster: c}
            request_headers_to_add:
        """);
    for (int i = 0; i < 70; i++) {
      yaml.append("    - {header: {key: x-h").append(i).append(", value: v").append(i)
          .append("}, append_action: ").append(i % 2 == 0 ? "ADD_IF_ABSENT" : "OVERWRITE_IF_EXISTS").append("}\n");
    }
    HttpHeaders h = new DefaultHttpHeaders();
    h.add("x-h0", "old");
    h.add("x-h69", "old");
    table(yaml.toString()).match(req("h", "/"), 0).applyRequestHeaders(h);
    assertThat(h.get("x-h0")).isEqualTo("old");
    assertThat(h.get("x-h2")).isEqualTo("v2");
    assertThat(h.contains("x-h3")).isFalse();
    assertThat(h.get("x-h69")).isEqualTo("v69");
    assertThat(h.get("x-h68")).isEqualTo("v68");
  }

  @Test
  void redirectAndDirectResponseRoutesApplyResponseHeadersToo() {
    RouteTable t = table("""
        response_headers_to_add: [{header: {key: x-global, value: g}}]
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {prefix: /r}
            redirect: {path_redirect: /x}
            response_headers_to_add: [{header: {key: x-route, value: r}}]
          - match: {prefix: /}
            direct_response: {status: 200}
        """);
    HttpHeaders h = new DefaultHttpHeaders();
    t.match(req("h", "/r"), 0).applyResponseHeaders(h);
    assertThat(h.get("x-route")).isEqualTo("r");
    assertThat(h.get("x-global")).isEqualTo("g");
    HttpHeaders d = new DefaultHttpHeaders();
    t.match(req("h", "/d"), 0).applyResponseHeaders(d);
    assertThat(d.get("x-global")).isEqualTo("g");
    assertThat(d.contains("x-route")).isFalse();
  }
}
