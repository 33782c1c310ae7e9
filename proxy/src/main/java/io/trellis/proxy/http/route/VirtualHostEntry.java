package io.trellis.proxy.http.route;

/**
 * A compiled virtual host: its routes in order (first match wins), and whether any of them needs the path without its
 * query as a String (regex routes), so that it is cut once per request.
 */
record VirtualHostEntry(String name, RouteEntry[] routes, boolean needsBarePath) {
  VirtualHostEntry(String name, RouteEntry[] routes) {
    this(name, routes, java.util.Arrays.stream(routes).anyMatch(r -> r.pathMatch().needsBarePath()));
  }
}
