package io.trellis.proxy.http.route;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.trellis.common.ConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Compiles one RouteConfiguration into a {@link RouteTable}, collecting every problem before failing. */
final class RouteCompiler {
  static final Set<String> CONFIG_FIELDS = Set.of("name", "virtual_hosts", "request_headers_to_add",
      "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
      "most_specific_header_mutations_wins", "validate_clusters", "max_direct_response_body_size_bytes",
      "ignore_port_in_host_matching", "metadata");
  static final Set<String> VHOST_FIELDS = Set.of("name", "domains", "routes", "request_headers_to_add",
      "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove", "metadata");
  static final Set<String> ROUTE_FIELDS = Set.of("name", "match", "route", "redirect", "direct_response",
      "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
      "metadata");
  static final Set<String> MATCH_FIELDS = Set.of("prefix", "path", "safe_regex", "path_separated_prefix",
      "case_sensitive", "headers", "query_parameters", "grpc");
  static final Set<String> ACTION_FIELDS = Set.of("cluster", "cluster_header", "weighted_clusters",
      "cluster_not_found_response_code", "prefix_rewrite", "regex_rewrite", "host_rewrite_literal",
      "auto_host_rewrite", "timeout", "idle_timeout", "upgrade_configs");
  static final Set<String> WEIGHTED_FIELDS = Set.of("clusters", "total_weight");
  static final Set<String> CLUSTER_WEIGHT_FIELDS = Set.of("name", "cluster_header", "weight",
      "request_headers_to_add", "request_headers_to_remove", "response_headers_to_add", "response_headers_to_remove",
      "host_rewrite_literal");
  static final Set<String> REDIRECT_FIELDS = Set.of("https_redirect", "scheme_redirect", "host_redirect",
      "port_redirect", "path_redirect", "prefix_rewrite", "regex_rewrite", "response_code", "strip_query");
  static final Set<String> DIRECT_FIELDS = Set.of("status", "body");
  static final Set<String> UPGRADE_FIELDS = Set.of("upgrade_type", "enabled");

  private static final int DEFAULT_MAX_DIRECT_BODY = 4096;
  private static final java.util.regex.Pattern SEPARATED_PREFIX = java.util.regex.Pattern.compile("^[^?#]+[^?#/]$");

  private final RouteConfiguration config;
  private final String prefix;
  private final Problems problems = new Problems();
  private final Set<String> clusters = new LinkedHashSet<>();
  private HeaderMutations configRequest;
  private HeaderMutations configResponse;
  private boolean mostSpecificWins;
  private long maxDirectBody;

  RouteCompiler(RouteConfiguration config, String pathPrefix) {
    this.config = config;
    this.prefix = pathPrefix == null ? "" : pathPrefix;
  }

  private String at(String field) {
    return prefix.isEmpty() ? field : prefix + "." + field;
  }

  RouteTable compile() throws ConfigException {
    problems.onlySupported(config, prefix, CONFIG_FIELDS);
    configRequest = HeaderMutations.compile(config.getRequestHeadersToAddList(),
        config.getRequestHeadersToRemoveList(), prefix, "request", problems);
    configResponse = HeaderMutations.compile(config.getResponseHeadersToAddList(),
        config.getResponseHeadersToRemoveList(), prefix, "response", problems);
    mostSpecificWins = config.getMostSpecificHeaderMutationsWins();
    maxDirectBody = config.hasMaxDirectResponseBodySizeBytes()
        ? Integer.toUnsignedLong(config.getMaxDirectResponseBodySizeBytes().getValue()) : DEFAULT_MAX_DIRECT_BODY;

    // Strip the port before matching when asked to, or when no domain names a port (a Trellis default; see
    // docs/routing.md): then "example.com:8080" selects the virtual host for "example.com".
    boolean anyPort = false;
    for (VirtualHost vh : config.getVirtualHostsList()) {
      for (String d : vh.getDomainsList()) {
        anyPort |= VirtualHostSelector.portStart(d) >= 0;
      }
    }
    boolean stripPort = config.getIgnorePortInHostMatching() || !anyPort;

    Map<String, VirtualHostEntry> exact = new HashMap<>();
    Map<String, VirtualHostEntry> suffixes = new HashMap<>();
    Map<String, VirtualHostEntry> prefixes = new HashMap<>();
    Map<String, String> domainOwner = new HashMap<>(); // lower-case domain -> "vhost name (path)"
    VirtualHostEntry defaultHost = null;
    List<String> names = new ArrayList<>();
    for (int i = 0; i < config.getVirtualHostsCount(); i++) {
      VirtualHost vh = config.getVirtualHosts(i);
      String vp = at("virtual_hosts[" + i + "]");
      VirtualHostEntry entry = compileVirtualHost(vh, vp);
      names.add(vh.getName());
      for (int d = 0; d < vh.getDomainsCount(); d++) {
        String dp = vp + ".domains[" + d + "]";
        String domain = vh.getDomains(d).toLowerCase(Locale.ROOT);
        if (domain.isEmpty()) {
          problems.add(Problems.INVALID, dp, "a domain must not be empty");
          continue;
        }
        String owner = domainOwner.putIfAbsent(domain, "'" + vh.getName() + "' (" + dp + ")");
        if (owner != null) {
          problems.add(Problems.DUPLICATE_DOMAIN, dp, "domain '" + domain + "' of virtual host '" + vh.getName()
              + "' is already used by virtual host " + owner + "; each domain may appear only once in a route "
              + "configuration");
          continue;
        }
        int star = domain.indexOf('*');
        if (domain.equals("*")) {
          defaultHost = entry;
        } else if (star < 0) {
          exact.put(domain, entry);
        } else if (star == 0 && domain.indexOf('*', 1) < 0) {
          suffixes.put(domain.substring(1), entry);
        } else if (star == domain.length() - 1) {
          prefixes.put(domain.substring(0, star), entry);
        } else {
          problems.add(Problems.INVALID, dp, "domain '" + domain + "' is invalid: a wildcard '*' may only be the "
              + "whole domain, its first character (*.example.com) or its last (example.*)");
        }
      }
    }
    problems.throwIfAny();
    return new RouteTable(config.getName(),
        new VirtualHostSelector(exact, suffixes, prefixes, defaultHost, stripPort),
        Set.copyOf(clusters), List.copyOf(names));
  }

  private VirtualHostEntry compileVirtualHost(VirtualHost vh, String vp) {
    problems.onlySupported(vh, vp, VHOST_FIELDS);
    if (vh.getName().isEmpty()) {
      problems.add(Problems.REQUIRED, vp + ".name", "a virtual host name is required");
    }
    if (vh.getDomainsCount() == 0) {
      problems.add(Problems.REQUIRED, vp + ".domains", "at least one domain is required");
    }
    HeaderMutations req = HeaderMutations.compile(vh.getRequestHeadersToAddList(),
        vh.getRequestHeadersToRemoveList(), vp, "request", problems);
    HeaderMutations resp = HeaderMutations.compile(vh.getResponseHeadersToAddList(),
        vh.getResponseHeadersToRemoveList(), vp, "response", problems);
    List<RouteEntry> routes = new ArrayList<>();
    for (int r = 0; r < vh.getRoutesCount(); r++) {
      RouteEntry e = compileRoute(vh.getRoutes(r), vp + ".routes[" + r + "]", vh.getName(), req, resp);
      if (e != null) {
        routes.add(e);
      }
    }
    return new VirtualHostEntry(vh.getName(), routes.toArray(RouteEntry[]::new));
  }

  /** Per-route context shared by the action compilers. */
  private record Ctx(String vhostName, String routeName, PathMatch pathMatch, HeaderMutations vhostRequest,
      HeaderMutations vhostResponse, HeaderMutations routeRequest, HeaderMutations routeResponse) {}

  private RouteEntry compileRoute(Route route, String rp, String vhostName, HeaderMutations vhReq,
      HeaderMutations vhResp) {
    int before = problems.size();
    problems.onlySupported(route, rp, ROUTE_FIELDS);
    PathMatch pathMatch = null;
    List<HeaderCondition> headers = new ArrayList<>();
    List<QueryCondition> query = new ArrayList<>();
    boolean grpc = false;
    if (!route.hasMatch()) {
      problems.add(Problems.REQUIRED, rp + ".match", "a match is required");
    } else {
      var m = route.getMatch();
      String mp = rp + ".match";
      problems.onlySupported(m, mp, MATCH_FIELDS);
      boolean cs = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
      pathMatch = switch (m.getPathSpecifierCase()) {
        case PREFIX -> new PathMatch.Prefix(m.getPrefix(), cs);
        case PATH -> new PathMatch.Exact(m.getPath(), cs);
        case SAFE_REGEX -> {
          var p = StringMatch.regex(m.getSafeRegex(), mp + ".safe_regex", problems);
          yield p == null ? null : new PathMatch.Regex(p);
        }
        case PATH_SEPARATED_PREFIX -> {
          String s = m.getPathSeparatedPrefix();
          if (!SEPARATED_PREFIX.matcher(s).matches()) {
            problems.add(Problems.INVALID, mp + ".path_separated_prefix", "value '" + s + "' is invalid: it must "
                + "not be empty, contain '?' or '#', or end with '/'");
            yield null;
          }
          yield new PathMatch.SeparatedPrefix(s, cs);
        }
        case PATHSPECIFIER_NOT_SET -> {
          problems.add(Problems.REQUIRED, mp, "one of prefix, path, safe_regex, path_separated_prefix is required");
          yield null;
        }
        default -> null; // connect_matcher, path_match_policy: reported by onlySupported
      };
      for (int h = 0; h < m.getHeadersCount(); h++) {
        HeaderMatcher hm = m.getHeaders(h);
        HeaderCondition c = HeaderCondition.compile(hm, mp + ".headers[" + h + "]", problems);
        if (c != null) {
          headers.add(c);
        }
      }
      for (int q = 0; q < m.getQueryParametersCount(); q++) {
        QueryParameterMatcher qm = m.getQueryParameters(q);
        QueryCondition c = QueryCondition.compile(qm, mp + ".query_parameters[" + q + "]", problems);
        if (c != null) {
          query.add(c);
        }
      }
      grpc = m.hasGrpc();
    }
    HeaderMutations req = HeaderMutations.compile(route.getRequestHeadersToAddList(),
        route.getRequestHeadersToRemoveList(), rp, "request", problems);
    HeaderMutations resp = HeaderMutations.compile(route.getResponseHeadersToAddList(),
        route.getResponseHeadersToRemoveList(), rp, "response", problems);
    Ctx ctx = new Ctx(vhostName, route.getName(), pathMatch, vhReq, vhResp, req, resp);
    RouteEntry.Action action = switch (route.getActionCase()) {
      case ROUTE -> compileRouteAction(route.getRoute(), rp + ".route", ctx);
      case REDIRECT -> compileRedirect(route.getRedirect(), rp + ".redirect", ctx);
      case DIRECT_RESPONSE -> compileDirect(route.getDirectResponse(), rp + ".direct_response", ctx);
      case ACTION_NOT_SET -> {
        problems.add(Problems.REQUIRED, rp, "one of route, redirect, direct_response is required");
        yield null;
      }
      default -> null; // filter_action, non_forwarding_action: reported by onlySupported
    };
    if (problems.size() > before || pathMatch == null || action == null) {
      return null;
    }
    return new RouteEntry(pathMatch, headers.toArray(HeaderCondition[]::new), query.toArray(QueryCondition[]::new),
        grpc, action);
  }

  /**
   * Envoy's order: the weighted cluster's first, then the least specific level last, unless
   * most_specific_header_mutations_wins.
   */
  private HeaderMutations[] chain(HeaderMutations cluster, HeaderMutations route, HeaderMutations vhost,
      HeaderMutations global) {
    List<HeaderMutations> list = new ArrayList<>(4);
    list.add(cluster);
    if (mostSpecificWins) {
      list.add(global);
      list.add(vhost);
      list.add(route);
    } else {
      list.add(route);
      list.add(vhost);
      list.add(global);
    }
    list.removeIf(HeaderMutations::isEmpty);
    return list.toArray(HeaderMutations[]::new);
  }

  private RouteMatch newMatch(Ctx ctx, RouteMatch.Kind kind, String cluster, int notFound, PathRewrite rewrite,
      String hostRewrite, boolean autoHost, Duration timeout, Duration idle, HeaderMutations clusterReq,
      HeaderMutations clusterResp, Redirect redirect, int directStatus, String directBody, String[] upgradeTypes,
      boolean[] upgradeEnabled) {
    return new RouteMatch(ctx.vhostName(), ctx.routeName(), kind, cluster, notFound, ctx.pathMatch(), rewrite,
        hostRewrite, autoHost, timeout, idle,
        chain(clusterReq, ctx.routeRequest(), ctx.vhostRequest(), configRequest),
        chain(clusterResp, ctx.routeResponse(), ctx.vhostResponse(), configResponse),
        redirect, directStatus, directBody, upgradeTypes, upgradeEnabled);
  }

  @SuppressWarnings("deprecation") // deprecated fields are still Envoy v3 config and supported
  private RouteEntry.Action compileRouteAction(RouteAction a, String ap, Ctx ctx) {
    int before = problems.size();
    problems.onlySupported(a, ap, ACTION_FIELDS);
    int notFound = switch (a.getClusterNotFoundResponseCode()) {
      case SERVICE_UNAVAILABLE -> 503;
      case NOT_FOUND -> 404;
      case INTERNAL_SERVER_ERROR -> 500;
      case UNRECOGNIZED -> {
        problems.add(Problems.INVALID, ap + ".cluster_not_found_response_code", "unknown value "
            + a.getClusterNotFoundResponseCodeValue());
        yield 503;
      }
    };
    PathRewrite rewrite = null;
    if (!a.getPrefixRewrite().isEmpty() && a.hasRegexRewrite()) {
      problems.add(Problems.INVALID, ap, "only one of prefix_rewrite and regex_rewrite may be set");
    } else if (!a.getPrefixRewrite().isEmpty()) {
      rewrite = new PathRewrite.Prefix(a.getPrefixRewrite());
    } else if (a.hasRegexRewrite()) {
      rewrite = PathRewrite.regex(a.getRegexRewrite(), ap + ".regex_rewrite", problems);
    }
    String hostRewrite = null;
    boolean autoHost = false;
    switch (a.getHostRewriteSpecifierCase()) {
      case HOST_REWRITE_LITERAL -> {
        hostRewrite = a.getHostRewriteLiteral();
        if (hostRewrite.isEmpty()) {
          problems.add(Problems.INVALID, ap + ".host_rewrite_literal", "value '' is invalid: must not be empty");
        }
      }
      case AUTO_HOST_REWRITE -> autoHost = a.getAutoHostRewrite().getValue();
      default -> { } // not set, or unsupported (reported)
    }
    Duration timeout = a.hasTimeout() ? duration(a.getTimeout(), ap + ".timeout") : null;
    Duration idle = a.hasIdleTimeout() ? duration(a.getIdleTimeout(), ap + ".idle_timeout") : null;
    String[] upTypes = new String[a.getUpgradeConfigsCount()];
    boolean[] upEnabled = new boolean[upTypes.length];
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < upTypes.length; i++) {
      var u = a.getUpgradeConfigs(i);
      String up = ap + ".upgrade_configs[" + i + "]";
      problems.onlySupported(u, up, UPGRADE_FIELDS);
      if (u.getUpgradeType().isEmpty()) {
        problems.add(Problems.REQUIRED, up + ".upgrade_type", "an upgrade_type is required (e.g. websocket)");
      } else if (!seen.add(u.getUpgradeType().toLowerCase(Locale.ROOT))) {
        problems.add(Problems.INVALID, up + ".upgrade_type", "duplicate upgrade_type '" + u.getUpgradeType() + "'");
      }
      upTypes[i] = u.getUpgradeType();
      upEnabled[i] = !u.hasEnabled() || u.getEnabled().getValue();
    }
    final PathRewrite rw = rewrite;
    final String host = hostRewrite;
    final boolean auto = autoHost;
    RouteEntry.Action action = switch (a.getClusterSpecifierCase()) {
      case CLUSTER -> {
        if (a.getCluster().isEmpty()) {
          problems.add(Problems.INVALID, ap + ".cluster", "value '' is invalid: a cluster name is required");
          yield null;
        }
        clusters.add(a.getCluster());
        yield new RouteEntry.Fixed(newMatch(ctx, RouteMatch.Kind.CLUSTER, a.getCluster(), notFound, rw, host, auto,
            timeout, idle, HeaderMutations.EMPTY, HeaderMutations.EMPTY, null, 0, null, upTypes, upEnabled));
      }
      case CLUSTER_HEADER -> {
        if (!validHeaderName(a.getClusterHeader(), ap + ".cluster_header")) {
          yield null;
        }
        yield new RouteEntry.FromHeader(HeaderLookup.of(a.getClusterHeader()),
            newMatch(ctx, RouteMatch.Kind.CLUSTER, "", notFound, rw, host, auto, timeout, idle,
                HeaderMutations.EMPTY, HeaderMutations.EMPTY, null, 0, null, upTypes, upEnabled));
      }
      case WEIGHTED_CLUSTERS -> {
        WeightedCluster wc = a.getWeightedClusters();
        String wp = ap + ".weighted_clusters";
        problems.onlySupported(wc, wp, WEIGHTED_FIELDS);
        if (wc.getClustersCount() == 0) {
          problems.add(Problems.REQUIRED, wp + ".clusters", "at least one cluster is required");
          yield null;
        }
        long sum = 0;
        long[] ends = new long[wc.getClustersCount()];
        RouteEntry.Action[] picks = new RouteEntry.Action[ends.length];
        for (int i = 0; i < ends.length; i++) {
          var cw = wc.getClusters(i);
          String cp = wp + ".clusters[" + i + "]";
          problems.onlySupported(cw, cp, CLUSTER_WEIGHT_FIELDS);
          sum += cw.hasWeight() ? Integer.toUnsignedLong(cw.getWeight().getValue()) : 0;
          ends[i] = sum;
          HeaderMutations cReq = HeaderMutations.compile(cw.getRequestHeadersToAddList(),
              cw.getRequestHeadersToRemoveList(), cp, "request", problems);
          HeaderMutations cResp = HeaderMutations.compile(cw.getResponseHeadersToAddList(),
              cw.getResponseHeadersToRemoveList(), cp, "response", problems);
          String cwHost = host;
          if (cwHost == null && cw.hasHostRewriteLiteral()) {
            cwHost = cw.getHostRewriteLiteral();
            if (cwHost.isEmpty()) {
              problems.add(Problems.INVALID, cp + ".host_rewrite_literal", "value '' is invalid: must not be empty");
            }
          }
          boolean hasName = !cw.getName().isEmpty();
          boolean hasHeader = !cw.getClusterHeader().isEmpty();
          if (hasName == hasHeader) {
            problems.add(hasName ? Problems.INVALID : Problems.REQUIRED, cp,
                "exactly one of name and cluster_header is required");
            continue;
          }
          RouteMatch m = newMatch(ctx, RouteMatch.Kind.CLUSTER, hasName ? cw.getName() : "", notFound, rw, cwHost,
              auto, timeout, idle, cReq, cResp, null, 0, null, upTypes, upEnabled);
          if (hasName) {
            clusters.add(cw.getName());
            picks[i] = new RouteEntry.Fixed(m);
          } else if (validHeaderName(cw.getClusterHeader(), cp + ".cluster_header")) {
            picks[i] = new RouteEntry.FromHeader(HeaderLookup.of(cw.getClusterHeader()), m);
          }
        }
        if (sum == 0) {
          problems.add(Problems.INVALID, wp, "the sum of the clusters' weights must be greater than 0");
        } else if (sum > 0xFFFF_FFFFL) {
          problems.add(Problems.INVALID, wp, "the sum of the clusters' weights (" + sum + ") exceeds 4294967295");
        }
        if (wc.hasTotalWeight() && Integer.toUnsignedLong(wc.getTotalWeight().getValue()) != sum) {
          problems.add(Problems.INVALID, wp + ".total_weight", "value " + Integer.toUnsignedLong(
              wc.getTotalWeight().getValue()) + " does not equal the sum of the clusters' weights (" + sum + ")");
        }
        yield new RouteEntry.Weighted(Math.max(sum, 1), ends, picks);
      }
      case CLUSTERSPECIFIER_NOT_SET -> {
        problems.add(Problems.REQUIRED, ap, "one of cluster, cluster_header, weighted_clusters is required");
        yield null;
      }
      default -> null; // cluster_specifier_plugin, inline_cluster_specifier_plugin: reported by onlySupported
    };
    return problems.size() > before ? null : action;
  }

  private boolean validHeaderName(String name, String path) {
    if (name.isEmpty()) {
      problems.add(Problems.INVALID, path, "value '' is invalid: a header name is required");
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= ' ' || c >= 127 || (c == ':' && i > 0)) {
        problems.add(Problems.INVALID, path, "value '" + name + "' is not a valid header name");
        return false;
      }
    }
    return true;
  }

  private RouteEntry.Action compileRedirect(RedirectAction r, String rp, Ctx ctx) {
    int before = problems.size();
    problems.onlySupported(r, rp, REDIRECT_FIELDS);
    String scheme = switch (r.getSchemeRewriteSpecifierCase()) {
      case HTTPS_REDIRECT -> r.getHttpsRedirect() ? "https" : null;
      case SCHEME_REDIRECT -> r.getSchemeRedirect().isEmpty() ? null : r.getSchemeRedirect().toLowerCase(Locale.ROOT);
      default -> null;
    };
    String host = r.getHostRedirect().isEmpty() ? null : r.getHostRedirect();
    int port = r.getPortRedirect();
    if (port < 0 || port > 65535) {
      problems.add(Problems.INVALID, rp + ".port_redirect", "value " + Integer.toUnsignedLong(port)
          + " is not a port (1-65535)");
    }
    String pathRedirect = null;
    PathRewrite rewrite = null;
    switch (r.getPathRewriteSpecifierCase()) {
      case PATH_REDIRECT -> pathRedirect = r.getPathRedirect();
      case PREFIX_REWRITE -> rewrite = r.getPrefixRewrite().isEmpty() ? null
          : new PathRewrite.Prefix(r.getPrefixRewrite());
      case REGEX_REWRITE -> rewrite = PathRewrite.regex(r.getRegexRewrite(), rp + ".regex_rewrite", problems);
      default -> { }
    }
    int status = switch (r.getResponseCode()) {
      case MOVED_PERMANENTLY -> 301;
      case FOUND -> 302;
      case SEE_OTHER -> 303;
      case TEMPORARY_REDIRECT -> 307;
      case PERMANENT_REDIRECT -> 308;
      case UNRECOGNIZED -> {
        problems.add(Problems.INVALID, rp + ".response_code", "unknown value " + r.getResponseCodeValue()
            + " (supported: MOVED_PERMANENTLY, FOUND, SEE_OTHER, TEMPORARY_REDIRECT, PERMANENT_REDIRECT)");
        yield 301;
      }
    };
    if (problems.size() > before) {
      return null;
    }
    Redirect redirect = new Redirect(scheme, host, port, pathRedirect, rewrite, r.getStripQuery(), status);
    return new RouteEntry.Fixed(newMatch(ctx, RouteMatch.Kind.REDIRECT, "", 503, null, null, false, null, null,
        HeaderMutations.EMPTY, HeaderMutations.EMPTY, redirect, 0, null, new String[0], new boolean[0]));
  }

  private RouteEntry.Action compileDirect(DirectResponseAction d, String dp, Ctx ctx) {
    int before = problems.size();
    problems.onlySupported(d, dp, DIRECT_FIELDS);
    int status = d.getStatus();
    if (status < 200 || status > 599) {
      problems.add(Problems.INVALID, dp + ".status", "value " + Integer.toUnsignedLong(status)
          + " is not a valid status (200-599)");
    }
    String body = d.hasBody() ? dataSource(d.getBody(), dp + ".body") : null;
    if (body != null) {
      int size = body.getBytes(StandardCharsets.UTF_8).length;
      if (size > maxDirectBody) {
        problems.add(Problems.INVALID, dp + ".body", "the body is " + size + " bytes, more than "
            + "max_direct_response_body_size_bytes (" + maxDirectBody + ")");
      }
    }
    if (problems.size() > before) {
      return null;
    }
    return new RouteEntry.Fixed(newMatch(ctx, RouteMatch.Kind.DIRECT_RESPONSE, "", 503, null, null, false, null,
        null, HeaderMutations.EMPTY, HeaderMutations.EMPTY, null, status, body, new String[0], new boolean[0]));
  }

  private String dataSource(DataSource ds, String path) {
    problems.onlySupported(ds, path, Set.of("inline_string", "inline_bytes", "filename", "environment_variable"));
    return switch (ds.getSpecifierCase()) {
      case INLINE_STRING -> ds.getInlineString();
      case INLINE_BYTES -> {
        String s = utf8(ds.getInlineBytes().asReadOnlyByteBuffer());
        if (s == null) {
          problems.add(Problems.INVALID, path + ".inline_bytes", "inline_bytes is not valid UTF-8 (Trellis keeps "
              + "direct response bodies as text)");
        }
        yield s;
      }
      case FILENAME -> {
        try {
          byte[] bytes = Files.readAllBytes(Path.of(ds.getFilename()));
          if (bytes.length > maxDirectBody) {
            problems.add(Problems.INVALID, path + ".filename", "file '" + ds.getFilename() + "' is " + bytes.length
                + " bytes, more than max_direct_response_body_size_bytes (" + maxDirectBody + ")");
            yield null;
          }
          String s = utf8(ByteBuffer.wrap(bytes));
          if (s == null) {
            problems.add(Problems.INVALID, path + ".filename", "file '" + ds.getFilename() + "' is not valid UTF-8");
          }
          yield s;
        } catch (IOException | java.nio.file.InvalidPathException e) {
          problems.add(Problems.INVALID, path + ".filename", "cannot read file '" + ds.getFilename() + "': " + e);
          yield null;
        }
      }
      case ENVIRONMENT_VARIABLE -> {
        String v = System.getenv(ds.getEnvironmentVariable());
        if (v == null) {
          problems.add(Problems.INVALID, path + ".environment_variable", "environment variable '"
              + ds.getEnvironmentVariable() + "' is not set");
        }
        yield v;
      }
      case SPECIFIER_NOT_SET -> "";
    };
  }

  private Duration duration(com.google.protobuf.Duration d, String path) {
    if (d.getSeconds() < 0 || d.getNanos() < 0 || d.getNanos() >= 1_000_000_000
        || d.getSeconds() > 315_576_000_000L) {
      problems.add(Problems.INVALID, path, "value " + d.getSeconds() + "s " + d.getNanos() + "ns is not a valid "
          + "non-negative duration");
      return null;
    }
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  private static String utf8(ByteBuffer bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
