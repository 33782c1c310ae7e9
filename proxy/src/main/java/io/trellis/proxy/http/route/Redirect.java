package io.trellis.proxy.http.route;

/**
 * A compiled {@code RedirectAction}; builds the Location value as Envoy's {@code newUri}: scheme from
 * {@code scheme_redirect}/{@code https_redirect} or the request; host from {@code host_redirect} or the request's
 * authority, whose port is dropped when {@code port_redirect} is set or when the scheme changes away from the port's
 * default (":80" for http, ":443" for https); path from {@code path_redirect} (keeping the request's query unless the
 * new path has its own), {@code prefix_rewrite} or {@code regex_rewrite}, or the request's; {@code strip_query} drops
 * the query unless {@code path_redirect} has one.
 */
record Redirect(String scheme, String host, int port, String pathRedirect, PathRewrite rewrite, boolean stripQuery,
    int status) {

  String location(RequestHead request, PathMatch match) {
    String finalScheme = scheme != null ? scheme : request.scheme();
    String portPart = port != 0 ? ":" + port : "";
    String finalHost = host != null ? host : requestHost(request, finalScheme, !portPart.isEmpty());
    String requestPath = request.path() == null ? "/" : request.path();
    boolean redirectHasQuery = pathRedirect != null && pathRedirect.indexOf('?') >= 0;
    String finalPath;
    if (pathRedirect != null) {
      if (redirectHasQuery) {
        finalPath = pathRedirect;
      } else {
        int q = requestPath.indexOf('?');
        finalPath = q >= 0 ? pathRedirect + requestPath.substring(q) : pathRedirect;
      }
    } else if (rewrite != null) {
      finalPath = rewrite.apply(requestPath, match);
    } else {
      finalPath = requestPath;
    }
    if (!finalPath.startsWith("/")) {
      finalPath = "/" + finalPath;
    }
    if (!redirectHasQuery && stripQuery) {
      int q = finalPath.indexOf('?');
      if (q >= 0) {
        finalPath = finalPath.substring(0, q);
      }
    }
    return finalScheme + "://" + finalHost + portPart + finalPath;
  }

  private static String requestHost(RequestHead request, String newScheme, boolean newPort) {
    String host = request.authority();
    if (host == null || host.isEmpty()) {
      return "";
    }
    int portStart;
    if (host.charAt(0) == '[') {
      portStart = host.lastIndexOf("]:");
      if (portStart >= 0) {
        portStart++;
      }
    } else {
      portStart = host.lastIndexOf(':');
    }
    if (portStart < 0) {
      return host;
    }
    String requestPort = host.substring(portStart);
    String requestScheme = request.scheme();
    boolean remove = newPort;
    if (!newScheme.equals(requestScheme)) {
      remove |= "https".equals(requestScheme) && requestPort.equals(":443");
      remove |= "http".equals(requestScheme) && requestPort.equals(":80");
    }
    return remove ? host.substring(0, portStart) : host;
  }
}
