package io.trellis.proxy.http.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.config.BootstrapValidator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every YAML example of docs/routing.md is a bootstrap that loads ({@link BootstrapLoader#parse}), validates
 * ({@link BootstrapValidator}) and compiles ({@link RouteTable#compile}); every {@code # expect:} line in it holds.
 */
class RoutingDocExamplesTest {
  private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern EXPECT = Pattern.compile(
      "^# expect: (\\S+) (\\S+)((?: -H \\S+)*)(?: -r (\\d+))? => (.*)$", Pattern.MULTILINE);

  static Path doc() {
    for (Path p : List.of(Path.of("../docs/routing.md"), Path.of("docs/routing.md"))) {
      if (Files.exists(p)) {
        return p;
      }
    }
    throw new AssertionError("docs/routing.md not found from " + Path.of("").toAbsolutePath());
  }

  @TestFactory
  Stream<DynamicTest> examples() throws IOException {
    String md = Files.readString(doc());
    List<DynamicTest> tests = new ArrayList<>();
    Matcher m = YAML_BLOCK.matcher(md);
    int n = 0;
    while (m.find()) {
      String yaml = m.group(1);
      int line = md.substring(0, m.start()).split("\n", -1).length;
      n++;
      tests.add(DynamicTest.dynamicTest("example " + n + " (docs/routing.md line " + line + ")",
          () -> checkExample(yaml)));
    }
    assertThat(n).as("YAML examples in docs/routing.md").isGreaterThanOrEqualTo(10);
    return tests.stream();
  }

  private static void checkExample(String yaml) throws Exception {
    Bootstrap b = BootstrapLoader.parse(yaml, "routing.md");
    BootstrapValidator.validate(b, "routing.md");
    RouteTable table = compile(b);
    Matcher e = EXPECT.matcher(yaml);
    int count = 0;
    while (e.find()) {
      count++;
      check(table, e.group(0), e.group(1), e.group(2), e.group(3), e.group(4), e.group(5));
    }
    assertThat(count).as("# expect: lines").isPositive();
    long written = yaml.lines().filter(l -> l.startsWith("# expect:")).count();
    assertThat(count).as("every # expect: line follows the syntax").isEqualTo(written);
  }

  private static RouteTable compile(Bootstrap b) throws Exception {
    for (int l = 0; l < b.getStaticResources().getListenersCount(); l++) {
      Listener listener = b.getStaticResources().getListeners(l);
      for (int c = 0; c < listener.getFilterChainsCount(); c++) {
        FilterChain chain = listener.getFilterChains(c);
        for (int f = 0; f < chain.getFiltersCount(); f++) {
          Filter filter = chain.getFilters(f);
          if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
            HttpConnectionManager hcm = filter.getTypedConfig().unpack(HttpConnectionManager.class);
            return RouteTable.compile(hcm.getRouteConfig(), "static_resources.listeners[" + l + "].filter_chains["
                + c + "].filters[" + f + "].typed_config.route_config");
          }
        }
      }
    }
    throw new AssertionError("no http_connection_manager in the example");
  }

  private static void check(RouteTable table, String line, String method, String url, String headerArgs,
      String random, String result) {
    Matcher u = Pattern.compile("^(https?)://([^/]*)(/.*)$").matcher(url);
    assertThat(u.matches()).as("URL in " + line).isTrue();
    HttpHeaders headers = new DefaultHttpHeaders();
    for (String h : headerArgs.trim().split(" ?-H ")) {
      if (!h.isBlank()) {
        int colon = h.indexOf(':');
        headers.add(h.substring(0, colon).trim(), h.substring(colon + 1));
      }
    }
    RequestHead req = RequestHead.of(method, u.group(3), u.group(2), u.group(1), headers);
    RouteMatch m = table.match(req, random == null ? 0 : Long.parseLong(random));
    String[] clauses = result.split("; ");
    String outcome = clauses[0].trim();
    String what = line + " (got " + m + ")";
    if (outcome.equals("404")) {
      assertThat(m).as(what).isNull();
      return;
    }
    assertThat(m).as(what).isNotNull();
    String[] words = outcome.split(" ", 3);
    switch (words[0]) {
      case "cluster" -> {
        assertThat(m.isClusterRoute()).as(what).isTrue();
        assertThat(m.clusterName()).as(what).isEqualTo(words[1]);
      }
      case "redirect" -> {
        assertThat(m.isRedirect()).as(what).isTrue();
        assertThat(m.redirectStatus()).as(what).isEqualTo(Integer.parseInt(words[1]));
        assertThat(m.redirectLocation(req)).as(what).isEqualTo(words[2]);
      }
      case "direct" -> {
        assertThat(m.isDirectResponse()).as(what).isTrue();
        assertThat(m.directStatus()).as(what).isEqualTo(Integer.parseInt(words[1]));
        assertThat(m.directBody()).as(what).isEqualTo(words.length > 2 ? words[2] : null);
      }
      default -> throw new AssertionError("unknown outcome in " + line);
    }
    HttpHeaders upstream = new DefaultHttpHeaders();
    m.applyRequestHeaders(upstream);
    HttpHeaders downstream = new DefaultHttpHeaders();
    downstream.add("server", "upstream");
    m.applyResponseHeaders(downstream);
    for (int i = 1; i < clauses.length; i++) {
      String c = clauses[i].trim();
      int sp = c.indexOf(' ');
      String key = c.substring(0, sp);
      String arg = c.substring(sp + 1);
      switch (key) {
        case "path" -> assertThat(m.rewritePath(req.path())).as(what).isEqualTo(arg);
        case "host" -> assertThat(m.hostRewrite()).as(what).isEqualTo(arg);
        case "timeout" -> assertThat(m.timeout()).as(what).isEqualTo(Duration.parse("PT" + arg.toUpperCase()));
        case "request-header", "response-header" -> {
          HttpHeaders h = key.startsWith("request") ? upstream : downstream;
          int colon = arg.indexOf(": ");
          assertThat(String.join(",", h.getAll(arg.substring(0, colon)))).as(what)
              .isEqualTo(arg.substring(colon + 2));
        }
        default -> throw new AssertionError("unknown check '" + key + "' in " + line);
      }
    }
  }

  /** The golden HTTP config of the configuration work compiles and routes as its comments say. */
  @Test
  void goldenHttpRoutingConfigCompiles() throws Exception {
    String yaml;
    try (InputStream in = getClass().getResourceAsStream("/io/trellis/proxy/config/valid/http-routing.yaml")) {
      assertThat(in).as("golden http-routing.yaml on the test class path").isNotNull();
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    RouteTable t = compile(BootstrapLoader.parse(yaml, "http-routing.yaml"));
    assertThat(t.referencedClusters()).containsExactlyInAnyOrder("api_v1", "api_v2", "web");
    HttpHeaders canary = new DefaultHttpHeaders().add("x-canary", "true");
    assertThat(t.match(RequestHead.of("GET", "/v2/x", "api.example.com:8080", "http", canary), 0).clusterName())
        .isEqualTo("api_v2");
    RouteMatch item = t.match(RequestHead.of("GET", "/items/42", "api.example.com", "http",
        new DefaultHttpHeaders()), 0);
    assertThat(item.rewritePath("/items/42")).isEqualTo("/item?id=42");
    assertThat(t.match(RequestHead.of("GET", "/old/a", "www.example.com", "http", new DefaultHttpHeaders()), 0)
        .redirectLocation(RequestHead.of("GET", "/old/a", "www.example.com", "http", new DefaultHttpHeaders())))
        .isEqualTo("http://www.example.com/new/a");
  }
}
