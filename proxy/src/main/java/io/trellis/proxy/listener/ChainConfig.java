package io.trellis.proxy.listener;

import io.trellis.proxy.network.NetworkFilterFactory;
import io.trellis.proxy.tls.DownstreamTls;
import java.util.List;
import java.util.Set;

/**
 * One filter chain of a listener, built once per config version.
 *
 * @param name the chain's name, or {@code filter_chains[i]} when unnamed
 * @param destinationPort filter_chain_match.destination_port, 0 when unset
 * @param serverNames exact names and wildcards ({@code *.example.com}), lower case; empty matches any
 * @param transportProtocol "tls", "raw_buffer" or "" for any
 * @param applicationProtocols ALPN or http_inspector protocols; empty matches any
 * @param tls downstream TLS, null for plaintext
 * @param filters the network filters, terminal one last
 */
record ChainConfig(String name, int destinationPort, Set<String> serverNames, String transportProtocol,
    Set<String> applicationProtocols, DownstreamTls tls, List<NetworkFilterFactory> filters) {

  boolean halfCloseAware() {
    return !filters.isEmpty() && filters.get(filters.size() - 1).halfCloseAware();
  }
}
