package io.trellis.proxy.http.route;

/** A compiled virtual host: its routes in order (first match wins). */
record VirtualHostEntry(String name, RouteEntry[] routes) {}
