package io.trellis.proxy.http.route;

import static io.trellis.proxy.http.route.Routes.req;
import static io.trellis.proxy.http.route.Routes.table;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class VirtualHostSelectionTest {
  private static final RouteTable TABLE = table("""
      virtual_hosts:
      - name: exact
        domains: [api.example.com, "API2.Example.com"]
        routes: [{match: {prefix: /}, route: {cluster: c}}]
      - {name: suffix-short, domains: ["*.example.com"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
      - {name: suffix-long, domains: ["*.eu.example.com"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
      - {name: suffix-dash, domains: ["*-bar.example.com"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
      - {name: prefix-short, domains: ["shop.*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
      - {name: prefix-long, domains: ["shop.example.*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
      - {name: default, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
      """);

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("api.example.com", "exact"),
        Arguments.of("API.EXAMPLE.COM", "exact"), // case-insensitive
        Arguments.of("api2.example.com", "exact"), // configured in mixed case
        Arguments.of("api.example.com:8080", "exact"), // no domain has a port: the port is stripped
        Arguments.of("www.example.com", "suffix-short"),
        Arguments.of("a.b.example.com", "suffix-short"),
        Arguments.of(".example.com", "default"), // '*' stands for at least one character
        Arguments.of("example.com", "default"),
        Arguments.of("www.eu.example.com", "suffix-long"), // longest suffix first
        Arguments.of("foo-bar.example.com", "suffix-dash"), // "-bar.example.com" is longer than ".example.com"
        Arguments.of("shop.example.com", "suffix-short"), // suffix wildcards before prefix wildcards
        Arguments.of("shop.example.org", "prefix-long"), // longest prefix first
        Arguments.of("shop.other.org", "prefix-short"),
        Arguments.of("shop.", "default"),
        Arguments.of("other.org", "default"),
        Arguments.of("", "default"),
        Arguments.of("[::1]:8080", "default"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("cases")
  void precedence(String authority, String expected) {
    assertThat(TABLE.match(req(authority, "/"), 0).virtualHostName()).isEqualTo(expected);
  }

  @Test
  void noDefaultHostMeansNoMatch() {
    RouteTable t = table("""
        virtual_hosts:
        - {name: a, domains: [a.com], routes: [{match: {prefix: /}, route: {cluster: c}}]}
        """);
    assertThat(t.match(req("b.com", "/"), 0)).isNull();
    assertThat(t.match(req(null, "/"), 0)).isNull();
    assertThat(t.match(req("a.com", "/"), 0)).isNotNull();
  }

  @Test
  void portIsKeptWhenADomainNamesAPort() {
    RouteTable t = table("""
        virtual_hosts:
        - {name: plain, domains: [a.com], routes: [{match: {prefix: /}, route: {cluster: c}}]}
        - {name: with-port, domains: ["a.com:8080"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
        - {name: default, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
        """);
    assertThat(t.match(req("a.com:8080", "/"), 0).virtualHostName()).isEqualTo("with-port");
    assertThat(t.match(req("a.com", "/"), 0).virtualHostName()).isEqualTo("plain");
    assertThat(t.match(req("a.com:9090", "/"), 0).virtualHostName()).isEqualTo("default"); // Envoy: no strip
  }

  @Test
  void ignorePortInHostMatchingStripsEvenWhenADomainHasAPort() {
    RouteTable t = table("""
        ignore_port_in_host_matching: true
        virtual_hosts:
        - {name: plain, domains: [a.com], routes: [{match: {prefix: /}, route: {cluster: c}}]}
        - {name: with-port, domains: ["b.com:8080"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
        """);
    assertThat(t.match(req("a.com:9090", "/"), 0).virtualHostName()).isEqualTo("plain");
    assertThat(t.match(req("[::1]:80", "/"), 0)).isNull();
  }

  @Test
  void ipv6LiteralsKeepTheirColons() {
    RouteTable t = table("""
        virtual_hosts:
        - {name: v6, domains: ["[::1]"], routes: [{match: {prefix: /}, route: {cluster: c}}]}
        """);
    assertThat(t.match(req("[::1]:8080", "/"), 0).virtualHostName()).isEqualTo("v6");
    assertThat(t.match(req("[::1]", "/"), 0).virtualHostName()).isEqualTo("v6");
  }

  @Test
  void manyDomainsStillResolve() {
    StringBuilder yaml = new StringBuilder("virtual_hosts:\n");
    for (int i = 0; i < 500; i++) {
      yaml.append("- {name: vh").append(i).append(", domains: [svc").append(i).append(".ns.svc.cluster.local, \"*.w")
          .append(i).append(".io\"], routes: [{match: {prefix: /}, route: {cluster: c").append(i).append("}}]}\n");
    }
    RouteTable t = table(yaml.toString());
    for (int i = 0; i < 500; i += 7) {
      assertThat(t.match(req("svc" + i + ".ns.svc.cluster.local:80", "/"), 0).clusterName()).isEqualTo("c" + i);
      assertThat(t.match(req("x.W" + i + ".io", "/"), 0).clusterName()).isEqualTo("c" + i);
    }
    assertThat(t.match(req("svc500.ns.svc.cluster.local", "/"), 0)).isNull();
  }
}
