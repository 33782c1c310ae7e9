package io.trellis.proxy.http;

import io.trellis.proxy.accesslog.AccessLog;
import io.trellis.proxy.http.route.RouteTable;
import io.trellis.proxy.server.FactoryContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One connection manager's compiled config: immutable, shared by all its connections on every event loop.
 *
 * @param codec which codec to install
 * @param maxRequestHeadersBytes max_request_headers_kb in bytes (HTTP/1 header block, request line, HTTP/2 header list)
 * @param maxHeadersCount common_http_protocol_options.max_headers_count
 * @param underscores headers_with_underscores_action
 * @param h2 HTTP/2 settings and flood limits
 * @param streamIdleTimeoutMillis 0 disables
 * @param requestTimeoutMillis 0 disables
 * @param requestHeadersTimeoutMillis 0 disables
 * @param idleTimeoutMillis connection idle timeout with no active streams, 0 disables
 * @param drainTimeoutMillis time between the first GOAWAY and the close of an HTTP/2 connection when draining
 * @param serverName the {@code server} header value
 * @param serverHeader how to treat the upstream's {@code server} header
 * @param websocket whether upgrade_configs enables websocket at the connection manager level
 * @param useRemoteAddress use_remote_address
 * @param xffNumTrustedHops xff_num_trusted_hops
 * @param generateRequestId generate_request_id
 * @param preserveExternalRequestId preserve_external_request_id
 * @param routes the compiled route table
 * @param filters HTTP filters before the router
 * @param accessLog the connection manager's access logs
 */
record HcmConfig(String statPrefix, Codec codec, int maxRequestHeadersBytes, int maxHeadersCount,
    Underscores underscores, H2Settings h2, long streamIdleTimeoutMillis, long requestTimeoutMillis,
    long requestHeadersTimeoutMillis, long idleTimeoutMillis, long drainTimeoutMillis, String serverName,
    ServerHeader serverHeader, boolean websocket, boolean useRemoteAddress, int xffNumTrustedHops,
    boolean generateRequestId, boolean preserveExternalRequestId, RouteTable routes,
    List<HttpFilterFactory> filters, AccessLog accessLog, HcmStats stats, FactoryContext context,
    Map<String, UpstreamRequestStats> clusterStats) {

  enum Codec { AUTO, HTTP1, HTTP2 }

  enum Underscores { ALLOW, REJECT_REQUEST, DROP_HEADER }

  enum ServerHeader { OVERWRITE, APPEND_IF_ABSENT, PASS_THROUGH }

  /** HTTP/2 settings (Envoy edge values by default) and flood limits. */
  record H2Settings(int maxConcurrentStreams, int initialStreamWindow, int initialConnectionWindow,
      int maxOutboundControlFrames, int maxConsecutiveEmptyFrames, int maxRstFramesPerWindow, int rstWindowSeconds,
      int maxSmallContinuationFrames, int maxInboundPriorityFramesPerStream,
      int maxInboundWindowUpdateFramesPerDataFrameSent) {}

  /** Per-cluster request stats; clusters the table names are built at config time, cluster_header ones once. */
  UpstreamRequestStats clusterStats(io.trellis.proxy.upstream.Cluster cluster) {
    UpstreamRequestStats s = clusterStats.get(cluster.name());
    if (s == null) {
      s = ((ConcurrentHashMap<String, UpstreamRequestStats>) clusterStats).computeIfAbsent(cluster.name(),
          n -> new UpstreamRequestStats(cluster.stats()));
    }
    return s;
  }
}
