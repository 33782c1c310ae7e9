package io.trellis.proxy.upstream;

import java.util.concurrent.atomic.LongAdder;

/**
 * Per-host counters for the admin {@code /clusters} output ({@code backend::10.0.0.1:8080::cx_active::2}). Updated on
 * the event loops without locks; read by the admin thread. The HTTP pools count everything themselves: connections,
 * {@code rq_total} and {@code rq_active} per leased stream, {@code rq_success} / {@code rq_error} from the response
 * status (5xx is an error), and an error for a stream released before any response. The router adds
 * {@link #recordTimeout()} when its timeout fires.
 */
public final class HostStats {
  final LongAdder cxTotal = new LongAdder();
  final LongAdder cxActive = new LongAdder();
  final LongAdder cxConnectFail = new LongAdder();
  final LongAdder rqTotal = new LongAdder();
  final LongAdder rqActive = new LongAdder();
  final LongAdder rqSuccess = new LongAdder();
  final LongAdder rqError = new LongAdder();
  final LongAdder rqTimeout = new LongAdder();

  /** Counts a response: 5xx is an error, anything else a success (Envoy's rq_success / rq_error). */
  public void recordResponse(int status) {
    if (status >= 500) {
      rqError.increment();
    } else {
      rqSuccess.increment();
    }
  }

  /** Counts a request that got no response (reset, connect failure after the stream was leased). */
  public void recordError() {
    rqError.increment();
  }

  /** Counts a request that timed out (its stream is then released without a response, which counts the error). */
  public void recordTimeout() {
    rqTimeout.increment();
  }

  public long cxTotal() {
    return cxTotal.sum();
  }

  public long cxActive() {
    return cxActive.sum();
  }

  public long cxConnectFail() {
    return cxConnectFail.sum();
  }

  public long rqTotal() {
    return rqTotal.sum();
  }

  public long rqActive() {
    return rqActive.sum();
  }

  public long rqSuccess() {
    return rqSuccess.sum();
  }

  public long rqError() {
    return rqError.sum();
  }

  public long rqTimeout() {
    return rqTimeout.sum();
  }
}
