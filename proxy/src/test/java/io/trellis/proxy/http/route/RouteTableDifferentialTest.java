package io.trellis.proxy.http.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random tables and requests, checked against a naive reference written straight from Envoy's documented rules: the
 * allocation-free domain map and path matchers must agree with it on every request (bounded loops, fixed seeds).
 */
class RouteTableDifferentialTest {
  private static final String[] LABELS = {"a", "b", "api", "x-y", "shop", "eu", "A", "Api"};
  private static final String[] SEGMENTS = {"a", "b", "api", "v1", "API", "docs", "x"};

  private static String randomHost(SplittableRandom r) {
    int n = 1 + r.nextInt(3);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(r.nextInt(6) == 0 ? "-" : ".");
      }
      sb.append(LABELS[r.nextInt(LABELS.length)]);
    }
    return sb.toString();
  }

  private static String randomPath(SplittableRandom r) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(4);
    for (int i = 0; i < n; i++) {
      sb.append('/').append(SEGMENTS[r.nextInt(SEGMENTS.length)]);
    }
    if (sb.isEmpty() || r.nextInt(5) == 0) {
      sb.append('/');
    }
    if (r.nextInt(4) == 0) {
      sb.append(r.nextBoolean() ? "?q=/api" : "#/docs");
    }
    return sb.toString();
  }

  /** Envoy's rules, written the slow and obvious way. */
  private static String referenceVirtualHost(List<VirtualHost> hosts, String authority, boolean stripPort) {
    String host = authority.toLowerCase(Locale.ROOT);
    if (stripPort && host.lastIndexOf(':') > host.lastIndexOf(']')) {
      host = host.substring(0, host.lastIndexOf(':'));
    }
    String best = null;
    int bestRank = Integer.MAX_VALUE;
    int bestLen = -1;
    for (VirtualHost vh : hosts) {
      for (String d : vh.getDomainsList()) {
        String dom = d.toLowerCase(Locale.ROOT);
        int rank;
        int len;
        if (dom.equals(host)) {
          rank = 0;
          len = dom.length();
        } else if (dom.startsWith("*") && dom.length() > 1 && host.length() > dom.length() - 1
            && host.endsWith(dom.substring(1))) {
          rank = 1;
          len = dom.length();
        } else if (dom.endsWith("*") && dom.length() > 1 && host.length() > dom.length() - 1
            && host.startsWith(dom.substring(0, dom.length() - 1))) {
          rank = 2;
          len = dom.length();
        } else if (dom.equals("*")) {
          rank = 3;
          len = 0;
        } else {
          continue;
        }
        if (rank < bestRank || (rank == bestRank && len > bestLen)) {
          best = vh.getName();
          bestRank = rank;
          bestLen = len;
        }
      }
    }
    return best;
  }

  private static boolean referencePathMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch m, String path) {
    int cut = path.length();
    for (char c : new char[] {'?', '#'}) {
      int i = path.indexOf(c);
      if (i >= 0) {
        cut = Math.min(cut, i);
      }
    }
    String p = path.substring(0, cut);
    boolean cs = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    String pc = cs ? p : p.toLowerCase(Locale.ROOT);
    return switch (m.getPathSpecifierCase()) {
      case PREFIX -> pc.startsWith(cs ? m.getPrefix() : m.getPrefix().toLowerCase(Locale.ROOT));
      case PATH -> pc.equals(cs ? m.getPath() : m.getPath().toLowerCase(Locale.ROOT));
      case PATH_SEPARATED_PREFIX -> {
        String s = cs ? m.getPathSeparatedPrefix() : m.getPathSeparatedPrefix().toLowerCase(Locale.ROOT);
        yield pc.equals(s) || pc.startsWith(s + "/");
      }
      default -> throw new AssertionError();
    };
  }

  @Test
  void virtualHostSelectionAgreesWithTheReference() throws Exception {
    SplittableRandom r = new SplittableRandom(7);
    int checked = 0;
    for (int t = 0; t < 200; t++) {
      RouteConfiguration.Builder cfg = RouteConfiguration.newBuilder();
      Set<String> used = new LinkedHashSet<>();
      int hosts = 1 + r.nextInt(8);
      for (int h = 0; h < hosts; h++) {
        VirtualHost.Builder vh = VirtualHost.newBuilder().setName("vh" + h)
            .addRoutes(Route.newBuilder().setMatch(io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder()
                .setPrefix("")).setRoute(RouteAction.newBuilder().setCluster("c")));
        int domains = 1 + r.nextInt(3);
        for (int d = 0; d < domains; d++) {
          String dom = switch (r.nextInt(6)) {
            case 0 -> "*." + randomHost(r);
            case 1 -> "*-" + randomHost(r);
            case 2 -> randomHost(r) + ".*";
            case 3 -> r.nextInt(4) == 0 ? "*" : randomHost(r);
            default -> randomHost(r);
          };
          if (used.add(dom.toLowerCase(Locale.ROOT))) {
            vh.addDomains(dom);
          }
        }
        if (vh.getDomainsCount() == 0) {
          vh.addDomains("unique" + h + ".test");
        }
        cfg.addVirtualHosts(vh);
      }
      RouteTable table = RouteTable.compile(cfg.build(), "rc");
      for (int q = 0; q < 200; q++) {
        String authority = randomHost(r) + (r.nextInt(3) == 0 ? ":" + r.nextInt(70000) : "");
        RouteMatch m = table.match(RequestHead.of("GET", "/", authority, "http", new DefaultHttpHeaders()), 0);
        String expected = referenceVirtualHost(cfg.getVirtualHostsList(), authority, true);
        assertThat(m == null ? null : m.virtualHostName()).as(authority + " in " + cfg.getVirtualHostsList()
            .stream().map(VirtualHost::getDomainsList).toList()).isEqualTo(expected);
        checked++;
      }
    }
    assertThat(checked).isEqualTo(40_000);
  }

  @Test
  void pathMatchingAgreesWithTheReference() throws Exception {
    SplittableRandom r = new SplittableRandom(11);
    int checked = 0;
    for (int t = 0; t < 200; t++) {
      VirtualHost.Builder vh = VirtualHost.newBuilder().setName("vh").addDomains("*");
      List<io.envoyproxy.envoy.config.route.v3.RouteMatch> matches = new ArrayList<>();
      int routes = 1 + r.nextInt(10);
      for (int i = 0; i < routes; i++) {
        var m = io.envoyproxy.envoy.config.route.v3.RouteMatch.newBuilder();
        String p = randomPath(r).replaceAll("[?#].*", "");
        switch (r.nextInt(3)) {
          case 0 -> m.setPrefix(p);
          case 1 -> m.setPath(p);
          default -> m.setPathSeparatedPrefix(p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1)
              : p.equals("/") ? "/a" : p);
        }
        if (r.nextBoolean()) {
          m.setCaseSensitive(com.google.protobuf.BoolValue.of(r.nextBoolean()));
        }
        matches.add(m.build());
        vh.addRoutes(Route.newBuilder().setMatch(m).setRoute(RouteAction.newBuilder().setCluster("r" + i)));
      }
      RouteTable table = RouteTable.compile(RouteConfiguration.newBuilder().addVirtualHosts(vh).build(), "rc");
      for (int q = 0; q < 200; q++) {
        String path = randomPath(r);
        String expected = null;
        for (int i = 0; i < matches.size(); i++) {
          if (referencePathMatch(matches.get(i), path)) {
            expected = "r" + i;
            break;
          }
        }
        RouteMatch m = table.match(RequestHead.of("GET", path, "h", "http", new DefaultHttpHeaders()), 0);
        assertThat(m == null ? null : m.clusterName()).as(path + " against " + matches).isEqualTo(expected);
        checked++;
      }
    }
    assertThat(checked).isEqualTo(40_000);
  }
}
