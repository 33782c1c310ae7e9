package io.trellis.proxy.http.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each case: a route config, the path (under Routes.PREFIX) of the one expected diagnostic, its code and a part of its
 * message.
 */
class RouteConfigErrorTest {
  private static final String VH = "virtual_hosts[0]";
  private static final String R0 = VH + ".routes[0]";

  private static String oneRoute(String route) {
    return """
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - %s
        """.formatted(route);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        // unsupported fields, at every level
        Arguments.of("vhds: {config_source: {ads: {}}}", "vhds", Problems.UNSUPPORTED, "field 'vhds'"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c, retry_policy: {num_retries: 2}}}"),
            R0 + ".route.retry_policy", Problems.UNSUPPORTED, "RouteAction is not supported"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c, hash_policy: [{header: {header_name: a}}]}}"),
            R0 + ".route.hash_policy", Problems.UNSUPPORTED, "hash_policy"),
        Arguments.of(oneRoute("{match: {prefix: /, runtime_fraction: {default_value: {numerator: 1}}},"
            + " route: {cluster: c}}"), R0 + ".match.runtime_fraction", Problems.UNSUPPORTED, "runtime_fraction"),
        Arguments.of(oneRoute("{match: {connect_matcher: {}}, route: {cluster: c}}"), R0 + ".match.connect_matcher",
            Problems.UNSUPPORTED, "connect_matcher"),
        Arguments.of(oneRoute("{match: {prefix: /}, non_forwarding_action: {}}"), R0 + ".non_forwarding_action",
            Problems.UNSUPPORTED, "non_forwarding_action"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster_specifier_plugin: p}}"),
            R0 + ".route.cluster_specifier_plugin", Problems.UNSUPPORTED, "cluster_specifier_plugin"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c, upgrade_configs: [{upgrade_type: CONNECT,"
            + " connect_config: {}}]}}"), R0 + ".route.upgrade_configs[0].connect_config", Problems.UNSUPPORTED,
            "connect_config"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {weighted_clusters: {clusters: [{name: a, weight: 1}],"
            + " runtime_key_prefix: k}}}"), R0 + ".route.weighted_clusters.runtime_key_prefix", Problems.UNSUPPORTED,
            "runtime_key_prefix"),
        Arguments.of(oneRoute("{match: {prefix: /, headers: [{name: a, string_match: {custom: {name: x}}}]},"
            + " route: {cluster: c}}"), R0 + ".match.headers[0].string_match.custom", Problems.UNSUPPORTED,
            "custom"),
        Arguments.of(oneRoute("{match: {prefix: /}, direct_response: {status: 200, body: {watched_directory:"
            + " {path: /tmp}, inline_string: x}}}"), R0 + ".direct_response.body.watched_directory",
            Problems.UNSUPPORTED, "watched_directory"),
        Arguments.of("virtual_hosts: [{name: vh, domains: ['*'], require_tls: ALL}]", VH + ".require_tls",
            Problems.UNSUPPORTED, "require_tls"),
        // required fields and invalid values
        Arguments.of(oneRoute("{route: {cluster: c}}"), R0 + ".match", Problems.REQUIRED, "match is required"),
        Arguments.of(oneRoute("{match: {case_sensitive: false}, route: {cluster: c}}"), R0 + ".match",
            Problems.REQUIRED, "one of prefix, path, safe_regex"),
        Arguments.of(oneRoute("{match: {prefix: /}}"), R0, Problems.REQUIRED, "one of route, redirect"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {timeout: 1s}}"), R0 + ".route", Problems.REQUIRED,
            "one of cluster, cluster_header, weighted_clusters"),
        Arguments.of(oneRoute("{match: {safe_regex: {regex: '/a(['}}, route: {cluster: c}}"),
            R0 + ".match.safe_regex.regex", Problems.INVALID, "not a valid RE2 regex"),
        Arguments.of(oneRoute("{match: {safe_regex: {regex: '(a)\\1'}}, route: {cluster: c}}"),
            R0 + ".match.safe_regex.regex", Problems.INVALID, "not a valid RE2 regex"), // no backreferences in RE2
        Arguments.of(oneRoute("{match: {path_separated_prefix: /api/}, route: {cluster: c}}"),
            R0 + ".match.path_separated_prefix", Problems.INVALID, "end with '/'"),
        Arguments.of(oneRoute("{match: {prefix: /, headers: [{name: n, range_match: {start: 5, end: 5}}]},"
            + " route: {cluster: c}}"), R0 + ".match.headers[0].range_match", Problems.INVALID, "is empty"),
        Arguments.of(oneRoute("{match: {prefix: /, headers: [{name: n, string_match: {safe_regex: {regex: a},"
            + " ignore_case: true}}]}, route: {cluster: c}}"), R0 + ".match.headers[0].string_match.ignore_case",
            Problems.INVALID, "no effect for safe_regex"),
        Arguments.of(oneRoute("{match: {prefix: /, headers: [{exact_match: a}]}, route: {cluster: c}}"),
            R0 + ".match.headers[0].name", Problems.REQUIRED, "header name"),
        Arguments.of(oneRoute("{match: {prefix: /, query_parameters: [{name: q, string_match: {prefix: ''}}]},"
            + " route: {cluster: c}}"), R0 + ".match.query_parameters[0].string_match.prefix", Problems.INVALID,
            "must not be empty"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c, prefix_rewrite: /x, regex_rewrite:"
            + " {pattern: {regex: a}, substitution: b}}}"), R0 + ".route", Problems.INVALID,
            "only one of prefix_rewrite and regex_rewrite"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c, regex_rewrite: {pattern: {regex: '(a)'},"
            + " substitution: '\\2'}}}"), R0 + ".route.regex_rewrite.substitution", Problems.INVALID,
            "group \\2 but the pattern has 1"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c, timeout: -1s}}"), R0 + ".route.timeout",
            Problems.INVALID, "non-negative"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {weighted_clusters: {clusters: [{name: a, weight: 0}]}}}"),
            R0 + ".route.weighted_clusters", Problems.INVALID, "greater than 0"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {weighted_clusters: {total_weight: 100, clusters:"
            + " [{name: a, weight: 30}, {name: b, weight: 30}]}}}"), R0 + ".route.weighted_clusters.total_weight",
            Problems.INVALID, "value 100 does not equal the sum of the clusters' weights (60)"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {weighted_clusters: {clusters: [{name: a, weight: 1},"
            + " {weight: 1}]}}}"), R0 + ".route.weighted_clusters.clusters[1]", Problems.REQUIRED,
            "exactly one of name and cluster_header"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {weighted_clusters: {clusters: []}}}"),
            R0 + ".route.weighted_clusters.clusters", Problems.REQUIRED, "at least one cluster"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: ''}}"), R0 + ".route.cluster", Problems.INVALID,
            "a cluster name is required"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c, upgrade_configs: [{upgrade_type: websocket},"
            + " {upgrade_type: WebSocket}]}}"), R0 + ".route.upgrade_configs[1].upgrade_type", Problems.INVALID,
            "duplicate upgrade_type"),
        Arguments.of(oneRoute("{match: {prefix: /}, redirect: {port_redirect: 70000}}"), R0
            + ".redirect.port_redirect", Problems.INVALID, "not a port"),
        Arguments.of(oneRoute("{match: {prefix: /}, direct_response: {status: 700}}"), R0 + ".direct_response.status",
            Problems.INVALID, "not a valid status"),
        Arguments.of("max_direct_response_body_size_bytes: 4\n" + oneRoute("{match: {prefix: /}, direct_response:"
            + " {status: 200, body: {inline_string: 'too long'}}}"), R0 + ".direct_response.body", Problems.INVALID,
            "8 bytes, more than max_direct_response_body_size_bytes (4)"),
        Arguments.of(oneRoute("{match: {prefix: /}, direct_response: {status: 200, body: {filename:"
            + " /nonexistent/trellis/body.txt}}}"), R0 + ".direct_response.body.filename", Problems.INVALID,
            "cannot read file"),
        Arguments.of(oneRoute("{match: {prefix: /}, direct_response: {status: 200, body: {environment_variable:"
            + " TRELLIS_SURELY_UNSET_VARIABLE}}}"), R0 + ".direct_response.body.environment_variable",
            Problems.INVALID, "is not set"),
        // header mutations
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c}, request_headers_to_add: [{header:"
            + " {key: ':path', value: /x}}]}"), R0 + ".request_headers_to_add[0].header.key",
            Problems.HEADER_NOT_MODIFIABLE, "pseudo-headers"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c}, request_headers_to_add: [{header:"
            + " {key: Host, value: x}}]}"), R0 + ".request_headers_to_add[0].header.key",
            Problems.HEADER_NOT_MODIFIABLE, "'Host' may not be added"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c}, request_headers_to_remove: [host]}"),
            R0 + ".request_headers_to_remove[0]", Problems.HEADER_NOT_MODIFIABLE, "'host' may not be removed"),
        Arguments.of("response_headers_to_remove: [':status']\n" + oneRoute("{match: {prefix: /}, route:"
            + " {cluster: c}}"), "response_headers_to_remove[0]", Problems.HEADER_NOT_MODIFIABLE, "':status'"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c}, response_headers_to_add: [{header:"
            + " {key: x-ip, value: '%DOWNSTREAM_REMOTE_ADDRESS%'}}]}"), R0 + ".response_headers_to_add[0].header.value",
            Problems.UNSUPPORTED_FORMATTER, "uses the formatter %DOWNSTREAM_REMOTE_ADDRESS%"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c}, response_headers_to_add: [{header:"
            + " {key: x-p, value: '50%'}}]}"), R0 + ".response_headers_to_add[0].header.value",
            Problems.UNSUPPORTED_FORMATTER, "unterminated '%'"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c}, request_headers_to_add: [{header:"
            + " {key: x-a, value: v}, append: true, append_action: OVERWRITE_IF_EXISTS}]}"),
            R0 + ".request_headers_to_add[0]", Problems.INVALID, "append and append_action are both set"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c}, request_headers_to_add: [{header:"
            + " {key: 'bad name', value: v}}]}"), R0 + ".request_headers_to_add[0].header.key", Problems.INVALID,
            "not a valid header name"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {cluster: c}, request_headers_to_add: [{header:"
            + " {key: x-a, value: \"a\\r\\nb: c\"}}]}"), R0 + ".request_headers_to_add[0].header.value",
            Problems.INVALID, "CR, LF or NUL"),
        Arguments.of(oneRoute("{match: {prefix: /}, route: {weighted_clusters: {clusters: [{name: a, weight: 1,"
            + " request_headers_to_add: [{header: {key: ':authority', value: x}}]}]}}}"),
            R0 + ".route.weighted_clusters.clusters[0].request_headers_to_add[0].header.key",
            Problems.HEADER_NOT_MODIFIABLE, "':authority'"),
        // virtual hosts and domains
        Arguments.of("virtual_hosts: [{domains: ['*']}]", VH + ".name", Problems.REQUIRED, "virtual host name"),
        Arguments.of("virtual_hosts: [{name: a}]", VH + ".domains", Problems.REQUIRED, "at least one domain"),
        Arguments.of("virtual_hosts: [{name: a, domains: ['foo.*.com']}]", VH + ".domains[0]", Problems.INVALID,
            "wildcard"),
        Arguments.of("virtual_hosts: [{name: a, domains: ['']}]", VH + ".domains[0]", Problems.INVALID,
            "must not be empty"),
        Arguments.of("virtual_hosts: [{name: a, domains: [a.com]}, {name: b, domains: [x.com, A.COM]}]",
            "virtual_hosts[1].domains[1]", Problems.DUPLICATE_DOMAIN, "domain 'a.com' of virtual host 'b' is already"
                + " used by virtual host 'a' (" + Routes.PREFIX + ".virtual_hosts[0].domains[0])"),
        Arguments.of("virtual_hosts: [{name: a, domains: ['*']}, {name: b, domains: ['*']}]",
            "virtual_hosts[1].domains[0]", Problems.DUPLICATE_DOMAIN, "domain '*' of virtual host 'b'"));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("cases")
  void reportsTheFieldPath(String yaml, String path, String code, String messagePart) {
    ConfigException e = catchThrowableOfType(ConfigException.class,
        () -> RouteTable.compile(Routes.config(yaml), Routes.PREFIX));
    assertThat(e).as("expected a ConfigException").isNotNull();
    List<Diagnostic> ds = e.diagnostics();
    assertThat(ds).as(e.getMessage()).hasSize(1);
    Diagnostic d = ds.get(0);
    assertThat(d.path()).isEqualTo(Routes.PREFIX + "." + path);
    assertThat(d.code()).isEqualTo(code);
    assertThat(d.message()).contains(messagePart);
  }

  @Test
  void reportsEveryProblemNotOnlyTheFirst() {
    String yaml = """
        virtual_hosts:
        - name: vh
          domains: ["*"]
          routes:
          - match: {safe_regex: {regex: '('}}
            route: {cluster: c}
          - match: {prefix: /}
            route: {cluster: c, retry_policy: {}}
          - match: {prefix: /}
            route: {cluster: c}
            request_headers_to_add: [{header: {key: host, value: x}}]
        """;
    assertThatThrownBy(() -> RouteTable.compile(Routes.config(yaml), "rc"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.diagnostics())
            .extracting(Diagnostic::path)
            .containsExactly("rc.virtual_hosts[0].routes[0].match.safe_regex.regex",
                "rc.virtual_hosts[0].routes[1].route.retry_policy",
                "rc.virtual_hosts[0].routes[2].request_headers_to_add[0].header.key"))
        .hasMessageContaining("3 configuration errors");
  }

  @Test
  void unknownFieldsFromANewerApiAreReportedNotIgnored() {
    var withUnknown = io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder().setName("vh").addDomains("*")
        .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
            .addField(999, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build())
        .build();
    var config = io.envoyproxy.envoy.config.route.v3.RouteConfiguration.newBuilder().addVirtualHosts(withUnknown)
        .build();
    assertThatThrownBy(() -> RouteTable.compile(config, "rc"))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.diagnostics()).singleElement()
            .satisfies(d -> {
              assertThat(d.path()).isEqualTo("rc.virtual_hosts[0]");
              assertThat(d.code()).isEqualTo(Problems.UNSUPPORTED);
              assertThat(d.message()).contains("field number 999");
            }));
  }

  @Test
  void withAnEmptyPrefixPathsStartAtTheRouteConfiguration() {
    String yaml = "vhds: {config_source: {ads: {}}}\nrequest_headers_to_remove: [host]\nvirtual_hosts: [{name: a}]";
    assertThatThrownBy(() -> RouteTable.compile(Routes.config(yaml), ""))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.diagnostics()).extracting(Diagnostic::path)
            .containsExactlyInAnyOrder("vhds", "request_headers_to_remove[0]", "virtual_hosts[0].domains"));
  }

  @Test
  void anEmptyConfigurationMatchesNothing() throws Exception {
    RouteTable t = RouteTable.compile(Routes.config("{}"), "");
    assertThat(t.match(Routes.req("a", "/"), 0)).isNull();
    assertThat(t.referencedClusters()).isEmpty();
  }
}
