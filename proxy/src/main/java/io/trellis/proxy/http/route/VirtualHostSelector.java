package io.trellis.proxy.http.route;

import java.util.Map;

/**
 * Picks the virtual host for an authority as Envoy does: exact domains first, then suffix wildcards ({@code *.foo.com},
 * {@code *-bar.foo.com}) longest first, then prefix wildcards ({@code foo.*}) longest first, then {@code *}. A wildcard
 * stands for at least one character. Case-insensitive. The port is stripped first when {@code stripPort}.
 */
final class VirtualHostSelector {
  private final DomainMap<VirtualHostEntry> exact;
  private final DomainMap<VirtualHostEntry> suffixes; // keyed by the part after '*'
  private final int[] suffixLengths; // distinct, descending
  private final DomainMap<VirtualHostEntry> prefixes; // keyed by the part before '*'
  private final int[] prefixLengths; // distinct, descending
  private final VirtualHostEntry defaultHost;
  private final boolean stripPort;

  VirtualHostSelector(Map<String, VirtualHostEntry> exact, Map<String, VirtualHostEntry> suffixes,
      Map<String, VirtualHostEntry> prefixes, VirtualHostEntry defaultHost, boolean stripPort) {
    this.exact = new DomainMap<>(exact);
    this.suffixes = new DomainMap<>(suffixes);
    this.suffixLengths = lengths(suffixes);
    this.prefixes = new DomainMap<>(prefixes);
    this.prefixLengths = lengths(prefixes);
    this.defaultHost = defaultHost;
    this.stripPort = stripPort;
  }

  private static int[] lengths(Map<String, ?> keys) {
    return keys.keySet().stream().mapToInt(String::length).distinct().map(i -> -i).sorted().map(i -> -i).toArray();
  }

  VirtualHostEntry select(String authority) {
    if (authority == null) {
      authority = "";
    }
    int end = authority.length();
    if (stripPort) {
      int port = portStart(authority);
      if (port >= 0) {
        end = port;
      }
    }
    VirtualHostEntry v = exact.get(authority, 0, end);
    if (v != null) {
      return v;
    }
    for (int len : suffixLengths) {
      if (end > len && (v = suffixes.get(authority, end - len, end)) != null) {
        return v;
      }
    }
    for (int len : prefixLengths) {
      if (end > len && (v = prefixes.get(authority, 0, len)) != null) {
        return v;
      }
    }
    return defaultHost;
  }

  /** Envoy's {@code HeaderUtility::getPortStart}: the last ':' unless it is inside an IPv6 literal; -1 when none. */
  static int portStart(String host) {
    int colon = host.lastIndexOf(':');
    if (colon < 0) {
      return -1;
    }
    int v6End = host.lastIndexOf(']');
    return v6End < 0 || v6End < colon ? colon : -1;
  }
}
