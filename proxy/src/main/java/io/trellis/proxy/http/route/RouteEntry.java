package io.trellis.proxy.http.route;

/**
 * A compiled route: its match conditions and its action. Matching evaluates the path first, then headers, query
 * parameters and the gRPC condition, as all of them must hold.
 */
final class RouteEntry {
  private final PathMatch path;
  private final HeaderCondition[] headers;
  private final QueryCondition[] queryParameters;
  private final boolean grpc;
  private final Action action;

  RouteEntry(PathMatch path, HeaderCondition[] headers, QueryCondition[] queryParameters, boolean grpc,
      Action action) {
    this.path = path;
    this.headers = headers;
    this.queryParameters = queryParameters;
    this.grpc = grpc;
    this.action = action;
  }

  PathMatch pathMatch() {
    return path;
  }

  /** The match for this request, or null when the route does not match. */
  RouteMatch match(RequestHead request, String requestPath, int pathEnd, String bare, long random) {
    if (!path.matches(requestPath, pathEnd, bare)) {
      return null;
    }
    for (HeaderCondition h : headers) {
      if (!h.matches(request)) {
        return null;
      }
    }
    if (queryParameters.length > 0) {
      int q = requestPath.indexOf('?');
      if (q > pathEnd) {
        q = -1; // the '?' is inside the fragment
      }
      for (QueryCondition c : queryParameters) {
        if (!c.matches(requestPath, q)) {
          return null;
        }
      }
    }
    if (grpc && !isGrpc(request)) {
      return null;
    }
    return action.resolve(request, random);
  }

  /** Envoy's {@code hasGrpcContentType}: "application/grpc" exactly or followed by '+'. */
  static boolean isGrpc(RequestHead request) {
    String ct = request.headers().get(io.netty.handler.codec.http.HttpHeaderNames.CONTENT_TYPE);
    if (ct == null || !ct.startsWith("application/grpc")) {
      return false;
    }
    return ct.length() == 16 || ct.charAt(16) == '+';
  }

  /** Resolves the route's action for one request. */
  sealed interface Action {
    RouteMatch resolve(RequestHead request, long random);
  }

  /** A cluster, redirect or direct response fixed at compile time. */
  record Fixed(RouteMatch match) implements Action {
    @Override
    public RouteMatch resolve(RequestHead request, long random) {
      return match;
    }
  }

  /** {@code cluster_header}: the first value of the header names the cluster ("" when absent). */
  record FromHeader(HeaderLookup header, RouteMatch template) implements Action {
    @Override
    public RouteMatch resolve(RequestHead request, long random) {
      String v = header.first(request);
      return template.withCluster(v == null ? "" : v);
    }
  }

  /**
   * {@code weighted_clusters}: {@code random % total} (unsigned) selects the cluster whose cumulative range holds it,
   * as Envoy's {@code pickWeightedCluster}.
   */
  record Weighted(long total, long[] ends, Action[] picks) implements Action {
    @Override
    public RouteMatch resolve(RequestHead request, long random) {
      long v = Long.remainderUnsigned(random, total);
      for (int i = 0; i < ends.length; i++) {
        if (v < ends[i]) {
          return picks[i].resolve(request, random);
        }
      }
      return picks[picks.length - 1].resolve(request, random); // unreachable: ends[last] == total
    }
  }
}
