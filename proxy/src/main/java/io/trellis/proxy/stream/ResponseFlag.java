package io.trellis.proxy.stream;

/**
 * Why a stream ended the way it did, with Envoy's short codes (as printed by {@code %RESPONSE_FLAGS%}) and the long
 * names of {@code %RESPONSE_FLAGS_LONG%}, plus a one-line human reason for the access log and {@code /stats}.
 */
public enum ResponseFlag {
  FAILED_LOCAL_HEALTH_CHECK("LH", "FailedLocalHealthCheck", "local health check failed"),
  NO_HEALTHY_UPSTREAM("UH", "NoHealthyUpstream", "no healthy upstream host in the cluster"),
  UPSTREAM_REQUEST_TIMEOUT("UT", "UpstreamRequestTimeout", "upstream did not answer within the route timeout"),
  LOCAL_RESET("LR", "LocalReset", "the proxy reset the stream"),
  UPSTREAM_REMOTE_RESET("UR", "UpstreamRemoteReset", "upstream reset the stream"),
  UPSTREAM_CONNECTION_FAILURE("UF", "UpstreamConnectionFailure", "could not connect to the upstream host"),
  UPSTREAM_CONNECTION_TERMINATION("UC", "UpstreamConnectionTermination", "upstream closed the connection mid-request"),
  UPSTREAM_OVERFLOW("UO", "UpstreamOverflow", "circuit breaker open: too many connections or requests"),
  UPSTREAM_RETRY_LIMIT_EXCEEDED("URX", "UpstreamRetryLimitExceeded", "retries exhausted"),
  NO_ROUTE_FOUND("NR", "NoRouteFound", "no route matched the request (check virtual host domains and route matches)"),
  DELAY_INJECTED("DI", "DelayInjected", "fault filter delayed the request"),
  FAULT_INJECTED("FI", "FaultInjected", "fault filter aborted the request"),
  RATE_LIMITED("RL", "RateLimited", "rate limit exceeded"),
  UNAUTHORIZED_EXTERNAL_SERVICE("UAEX", "UnauthorizedExternalService", "external authorization denied the request"),
  DOWNSTREAM_CONNECTION_TERMINATION("DC", "DownstreamConnectionTermination", "client closed the connection mid-request"),
  DOWNSTREAM_PROTOCOL_ERROR("DPE", "DownstreamProtocolError", "client sent malformed HTTP"),
  UPSTREAM_PROTOCOL_ERROR("UPE", "UpstreamProtocolError", "upstream sent malformed HTTP"),
  STREAM_IDLE_TIMEOUT("SI", "StreamIdleTimeout", "no bytes in either direction within the stream idle timeout"),
  DURATION_TIMEOUT("DT", "DurationTimeout", "request exceeded its maximum duration"),
  NO_CLUSTER_FOUND("NC", "NoClusterFound", "the route names a cluster that does not exist"),
  OVERLOAD_MANAGER("OM", "OverloadManagerTerminated", "the proxy is overloaded or draining"),
  UPSTREAM_MAX_STREAM_DURATION_REACHED("UMSDR", "UpstreamMaxStreamDurationReached", "upstream stream exceeded its max duration"),
  DOWNSTREAM_REMOTE_RESET("DR", "DownstreamRemoteReset", "client reset the stream");

  private final String code;
  private final String longName;
  private final String reason;

  ResponseFlag(String code, String longName, String reason) {
    this.code = code;
    this.longName = longName;
    this.reason = reason;
  }

  /** The short code, e.g. {@code UH}. */
  public String code() {
    return code;
  }

  public String longName() {
    return longName;
  }

  /** One human line saying what happened. */
  public String reason() {
    return reason;
  }
}
