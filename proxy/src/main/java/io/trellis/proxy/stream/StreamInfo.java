package io.trellis.proxy.stream;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.SocketAddress;
import java.util.EnumSet;
import java.util.Set;

/**
 * What happened to one HTTP stream or one TCP connection, filled in as it goes and read by access logs and stats
 * (Envoy's {@code StreamInfo}). Confined to the event loop of its connection; not thread-safe.
 */
public final class StreamInfo {
  /** Wall clock at start, for {@code %START_TIME%}. */
  public long startEpochMillis;
  /** Monotonic nanos at start; durations are measured from it. */
  public long startNanos;
  /** Monotonic nanos when the last downstream byte was sent, or 0 while still going. */
  public long endNanos;
  /** Monotonic nanos of the first upstream response byte, or 0. */
  public long firstUpstreamByteNanos;

  public String protocol = "";          // HTTP/1.1, HTTP/2, or "" for TCP
  public String method = "";
  public String path = "";              // the original :path / request target
  public String authority = "";
  public HttpHeaders requestHeaders;    // as received (after the proxy's own additions such as x-request-id)
  public HttpHeaders responseHeaders;
  public HttpHeaders responseTrailers;
  public int responseCode;              // 0 when no response was sent
  /** Envoy's %RESPONSE_CODE_DETAILS%, e.g. "via_upstream", "route_not_found". */
  public String responseCodeDetails = "";
  /** A human line explaining a proxy-generated reply or a failure; also used when there is no flag. */
  public String failureReason = "";

  public long bytesReceived;
  public long bytesSent;

  public SocketAddress downstreamRemoteAddress;
  public SocketAddress downstreamLocalAddress;
  /** The client address after x-forwarded-for processing (%DOWNSTREAM_REMOTE_ADDRESS% when use_remote_address). */
  public SocketAddress downstreamDirectRemoteAddress;
  public String requestedServerName = "";

  public String routeName = "";
  public String virtualHostName = "";
  public String upstreamCluster = "";
  public SocketAddress upstreamHost;
  public SocketAddress upstreamLocalAddress;
  public String upstreamTransportFailureReason = "";

  public String requestId = "";
  public int attemptCount;
  public String connectionTerminationDetails = "";

  private final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);

  public void setFlag(ResponseFlag flag) {
    flags.add(flag);
  }

  public boolean hasFlag(ResponseFlag flag) {
    return flags.contains(flag);
  }

  public Set<ResponseFlag> flags() {
    return flags;
  }

  /** Envoy's %RESPONSE_FLAGS%: comma-separated short codes, or "-" when none. */
  public String flagsString() {
    if (flags.isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    for (ResponseFlag f : flags) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      sb.append(f.code());
    }
    return sb.toString();
  }

  /** Duration in ms from start to end (or to now when not finished), for %DURATION%. */
  public long durationMillis(long nowNanos) {
    long end = endNanos != 0 ? endNanos : nowNanos;
    return (end - startNanos) / 1_000_000L;
  }
}
