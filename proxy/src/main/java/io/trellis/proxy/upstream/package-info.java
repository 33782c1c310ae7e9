/**
 * The upstream side of the proxy: clusters (STATIC, STRICT_DNS, LOGICAL_DNS) with immutable host sets that DNS
 * refreshes swap atomically, one round-robin / EDF load balancer and one set of HTTP/1.1 and HTTP/2 connection pools
 * per event loop, upstream TLS through {@code io.trellis.proxy.tls.UpstreamTls}, and Envoy's {@code cluster.<name>.*}
 * and per-host stats.
 *
 * <p>Contracts other parts code against: {@link io.trellis.proxy.upstream.ClusterManager},
 * {@link io.trellis.proxy.upstream.Cluster}, {@link io.trellis.proxy.upstream.Host},
 * {@link io.trellis.proxy.upstream.LoadBalancerContext}, {@link io.trellis.proxy.upstream.UpstreamHttpStream} and
 * {@link io.trellis.proxy.upstream.HostStats}. Implementations: {@code DefaultClusterManager}, {@code UpstreamCluster},
 * {@code RoundRobinLoadBalancer}, {@code Http1Pool}, {@code Http2Pool}, {@code DnsHostResolver}. See docs/upstream.md.
 */
package io.trellis.proxy.upstream;
