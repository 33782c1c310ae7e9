package io.trellis.proxy.upstream;

import java.net.InetSocketAddress;

/**
 * One upstream endpoint of a cluster, as resolved from {@code load_assignment}. Immutable; health and weight changes
 * produce a new {@link Host} inside a new host set. Locality and priority are kept for zone-aware balancing.
 *
 * @param address resolved address to connect to
 * @param hostname the name it came from (DNS clusters) or the IP text, for {@code %UPSTREAM_HOST%} and SNI
 * @param weight load_balancing_weight (1 when unset)
 * @param region locality region, "" when unset
 * @param zone locality zone, "" when unset
 * @param subZone locality sub_zone, "" when unset
 * @param priority the endpoint group's priority (0 is highest)
 * @param localityWeight the locality's load_balancing_weight (0 when unset)
 */
public record Host(InetSocketAddress address, String hostname, int weight, String region, String zone, String subZone,
    int priority, int localityWeight) {

  public static Host of(InetSocketAddress address) {
    return new Host(address, address.getHostString(), 1, "", "", "", 0, 0);
  }

  /** host:port as Envoy prints it in %UPSTREAM_HOST% and /clusters. */
  public String addressString() {
    String ip = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
  }
}
