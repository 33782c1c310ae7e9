package io.trellis.proxy.http.route;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;

/**
 * The result of matching a request: the virtual host and route, and exactly one action (cluster, redirect or direct
 * response) with what the router needs to carry it out. Immutable and thread-safe; instances for fixed and weighted
 * clusters, redirects and direct responses are built at compile time and shared between requests, so a match
 * allocates nothing for them ({@code cluster_header} routes allocate one small copy per request).
 */
public final class RouteMatch {
  enum Kind { CLUSTER, REDIRECT, DIRECT_RESPONSE }

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  private final String virtualHostName;
  private final String routeName;
  private final Kind kind;
  private final String clusterName;
  private final int clusterNotFoundResponseCode;
  private final PathMatch pathMatch;
  private final PathRewrite rewrite;
  private final String hostRewrite;
  private final boolean autoHostRewrite;
  private final Duration timeout;
  private final Duration idleTimeout;
  private final HeaderMutations[] requestMutations;
  private final HeaderMutations[] responseMutations;
  private final Redirect redirect;
  private final int directStatus;
  private final String directBody;
  private final String[] upgradeTypes;
  private final boolean[] upgradeEnabled;

  RouteMatch(String virtualHostName, String routeName, Kind kind, String clusterName, int clusterNotFoundResponseCode,
      PathMatch pathMatch, PathRewrite rewrite, String hostRewrite, boolean autoHostRewrite, Duration timeout,
      Duration idleTimeout, HeaderMutations[] requestMutations, HeaderMutations[] responseMutations,
      Redirect redirect, int directStatus, String directBody, String[] upgradeTypes, boolean[] upgradeEnabled) {
    this.virtualHostName = virtualHostName;
    this.routeName = routeName;
    this.kind = kind;
    this.clusterName = clusterName;
    this.clusterNotFoundResponseCode = clusterNotFoundResponseCode;
    this.pathMatch = pathMatch;
    this.rewrite = rewrite;
    this.hostRewrite = hostRewrite;
    this.autoHostRewrite = autoHostRewrite;
    this.timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    this.idleTimeout = idleTimeout;
    this.requestMutations = requestMutations;
    this.responseMutations = responseMutations;
    this.redirect = redirect;
    this.directStatus = directStatus;
    this.directBody = directBody;
    this.upgradeTypes = upgradeTypes;
    this.upgradeEnabled = upgradeEnabled;
  }

  /** The same match sending to {@code cluster} (for {@code cluster_header}). */
  RouteMatch withCluster(String cluster) {
    return new RouteMatch(virtualHostName, routeName, kind, cluster, clusterNotFoundResponseCode, pathMatch, rewrite,
        hostRewrite, autoHostRewrite, timeout, idleTimeout, requestMutations, responseMutations, redirect,
        directStatus, directBody, upgradeTypes, upgradeEnabled);
  }

  public String virtualHostName() {
    return virtualHostName;
  }

  /** The route's {@code name}, or "" when unnamed. */
  public String routeName() {
    return routeName;
  }

  public boolean isRedirect() {
    return kind == Kind.REDIRECT;
  }

  public boolean isDirectResponse() {
    return kind == Kind.DIRECT_RESPONSE;
  }

  public boolean isClusterRoute() {
    return kind == Kind.CLUSTER;
  }

  /**
   * Resolved cluster: the fixed cluster, the weighted pick, or the {@code cluster_header} value ("" when the header is
   * missing); "" for redirects and direct responses.
   */
  public String clusterName() {
    return clusterName;
  }

  /** 503 by default, or 404 / 500 per {@code cluster_not_found_response_code}. */
  public int clusterNotFoundResponseCode() {
    return clusterNotFoundResponseCode;
  }

  /**
   * The path (with query) to send upstream after {@code prefix_rewrite} / {@code regex_rewrite}; the original when the
   * route has no rewrite.
   */
  public String rewritePath(String originalPath) {
    return rewrite == null ? originalPath : rewrite.apply(originalPath, pathMatch);
  }

  /**
   * {@code host_rewrite_literal} (the route's, else the chosen weighted cluster's), or null. As in Envoy, the route's
   * literal wins over the weighted cluster's because the route applies its own after the cluster's.
   */
  public String hostRewrite() {
    return hostRewrite;
  }

  /** {@code auto_host_rewrite}: the router sets the Host to the chosen upstream host's hostname. */
  public boolean autoHostRewrite() {
    return autoHostRewrite;
  }

  /** Route timeout: 15s by default as Envoy; {@link Duration#ZERO} means disabled. */
  public Duration timeout() {
    return timeout;
  }

  /** The route's {@code idle_timeout}; null when unset, {@link Duration#ZERO} when disabled. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /**
   * Applies the request header mutations in Envoy's order: the weighted cluster's first, then route, virtual host and
   * route configuration (so the least specific level wins a conflict), or route configuration, virtual host and route
   * when {@code most_specific_header_mutations_wins} is set.
   */
  public void applyRequestHeaders(HttpHeaders headers) {
    for (HeaderMutations m : requestMutations) {
      m.apply(headers);
    }
  }

  /** Applies the response header mutations, in the same order as {@link #applyRequestHeaders}. */
  public void applyResponseHeaders(HttpHeaders headers) {
    for (HeaderMutations m : responseMutations) {
      m.apply(headers);
    }
  }

  /** The redirect's status code: 301 (default), 302, 303, 307 or 308; 0 when this is not a redirect. */
  public int redirectStatus() {
    return redirect == null ? 0 : redirect.status();
  }

  /** The Location header value for a redirect of {@code request}; null when this is not a redirect. */
  public String redirectLocation(RequestHead request) {
    return redirect == null ? null : redirect.location(request, pathMatch);
  }

  /** The direct response status; 0 when this is not a direct response. */
  public int directStatus() {
    return directStatus;
  }

  /** The direct response body, or null when none. */
  public String directBody() {
    return directBody;
  }

  /**
   * Whether the route itself enables {@code upgradeType} (case-insensitive) in its {@code upgrade_configs}; false when
   * the route does not mention it. See {@link #upgradeAllowed(String, boolean)} for Envoy's full rule.
   */
  public boolean upgradeAllowed(String upgradeType) {
    return upgradeAllowed(upgradeType, false);
  }

  /**
   * Envoy's rule: the route's {@code upgrade_configs} entry for the type, when present, overrides the connection
   * manager's setting ({@code connectionManagerAllows}: the type is in the connection manager's
   * {@code upgrade_configs} and enabled). Envoy only upgrades types the connection manager configures, so the caller
   * should also require that.
   */
  public boolean upgradeAllowed(String upgradeType, boolean connectionManagerAllows) {
    for (int i = 0; i < upgradeTypes.length; i++) {
      if (upgradeTypes[i].equalsIgnoreCase(upgradeType)) {
        return upgradeEnabled[i];
      }
    }
    return connectionManagerAllows;
  }

  @Override
  public String toString() {
    String action = switch (kind) {
      case CLUSTER -> "cluster=" + clusterName;
      case REDIRECT -> "redirect=" + redirect.status();
      case DIRECT_RESPONSE -> "direct_response=" + directStatus;
    };
    return "RouteMatch{vhost=" + virtualHostName + ", route=" + routeName + ", " + pathMatch.describe() + ", "
        + action + "}";
  }
}
