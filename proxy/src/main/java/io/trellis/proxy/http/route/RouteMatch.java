package io.trellis.proxy.http.route;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;

/**
 * The result of matching a request: the virtual host and route, and exactly one action (cluster, redirect or direct
 * response) with what the router needs to carry it out. Immutable; most instances are built at compile time and
 * shared between requests.
 */
public final class RouteMatch {
  RouteMatch() {}

  public String virtualHostName() {
    return "";
  }

  /** The route's {@code name}, or "" when unnamed. */
  public String routeName() {
    return "";
  }

  public boolean isRedirect() {
    return false;
  }

  public boolean isDirectResponse() {
    return false;
  }

  public boolean isClusterRoute() {
    return false;
  }

  /** Resolved cluster: the weighted pick, or the {@code cluster_header} value ("" when the header is missing). */
  public String clusterName() {
    return "";
  }

  /** 503 by default, or 404 per {@code cluster_not_found_response_code}. */
  public int clusterNotFoundResponseCode() {
    return 503;
  }

  /** The path (with query) after {@code prefix_rewrite} / {@code regex_rewrite}; the original when none applies. */
  public String rewritePath(String originalPath) {
    return originalPath;
  }

  /** {@code host_rewrite_literal}, or null. */
  public String hostRewrite() {
    return null;
  }

  public boolean autoHostRewrite() {
    return false;
  }

  /** Route timeout: 15s by default as Envoy; {@link Duration#ZERO} means disabled. */
  public Duration timeout() {
    return Duration.ofSeconds(15);
  }

  /** Null when unset. */
  public Duration idleTimeout() {
    return null;
  }

  /** Weighted-cluster, route, virtual-host and route-configuration level mutations, in Envoy's order. */
  public void applyRequestHeaders(HttpHeaders headers) {}

  public void applyResponseHeaders(HttpHeaders headers) {}

  /** The redirect's status code (301 by default). */
  public int redirectStatus() {
    return 301;
  }

  /** The Location header value for a redirect of {@code request}. */
  public String redirectLocation(RequestHead request) {
    return "";
  }

  public int directStatus() {
    return 0;
  }

  /** The direct response body, or null when none. */
  public String directBody() {
    return null;
  }

  /**
   * Whether the route enables {@code upgradeType} (case-insensitive) through its own {@code upgrade_configs}; false
   * when the route does not mention it. See {@link #upgradeAllowed(String, boolean)} for the connection manager's
   * default.
   */
  public boolean upgradeAllowed(String upgradeType) {
    return upgradeAllowed(upgradeType, false);
  }

  /**
   * Envoy's rule: the route's {@code upgrade_configs} entry for the type wins when present, otherwise the connection
   * manager's setting ({@code connectionManagerAllows}) applies.
   */
  public boolean upgradeAllowed(String upgradeType, boolean connectionManagerAllows) {
    return connectionManagerAllows;
  }
}
