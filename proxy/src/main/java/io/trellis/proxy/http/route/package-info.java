/**
 * HTTP route tables: Envoy v3 {@code RouteConfiguration} compiled once per config into immutable, thread-safe objects,
 * then matched per request on the event loop without locks and with few allocations.
 *
 * <p>{@link io.trellis.proxy.http.route.RouteTable#compile} checks the whole route configuration and reports every
 * problem as a {@link io.trellis.common.Diagnostic} with the path of the field. {@link
 * io.trellis.proxy.http.route.RouteTable#match} selects the virtual host by authority, then the first matching route,
 * and returns a {@link io.trellis.proxy.http.route.RouteMatch} describing the action (cluster, redirect or direct
 * response), rewrites, timeouts and header mutations. The HTTP connection manager implements {@link
 * io.trellis.proxy.http.route.RequestHead} over its request headers. No sockets here.
 */
package io.trellis.proxy.http.route;
