/**
 * Network (L4) filters: the per-connection contract ({@link io.trellis.proxy.network.NetworkFilterFactory},
 * {@link io.trellis.proxy.network.DownstreamConnection}) and the registry that builds filters from
 * {@code filter_chains[].filters[]} ({@link io.trellis.proxy.network.NetworkFilters}). Implementations live in their
 * own packages: {@code tcp} (tcp_proxy) and {@code http} (http_connection_manager).
 */
package io.trellis.proxy.network;
