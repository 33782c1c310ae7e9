package io.trellis.proxy.http;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.trellis.proxy.stream.ResponseFlag;
import io.trellis.proxy.stream.StreamInfo;
import io.netty.channel.EventLoop;

/**
 * One decoder/encoder HTTP filter instance, created per stream by its {@link HttpFilterFactory} and run on the
 * stream's event loop before the router (Envoy's {@code StreamFilter}). Filters see the request head on the way in
 * and the response head on the way out; bodies stream past them untouched.
 */
public interface HttpFilter {
  /** What a filter tells the chain after looking at a head. */
  enum Status {
    /** Run the next filter (and finally the router). */
    CONTINUE,
    /** Stop here: the filter sent a local reply, or will call {@link Callbacks#continueDecoding()} later. */
    STOP
  }

  /** Called once with the request head; may mutate its headers. */
  default Status onRequestHeaders(Callbacks callbacks, HttpRequest request) {
    return Status.CONTINUE;
  }

  /** Called once with the response head (upstream or local) before it is written downstream; may mutate headers. */
  default void onResponseHeaders(Callbacks callbacks, HttpResponse response) {}

  /** Called once when the stream ends, however it ended. */
  default void onStreamEnd(StreamInfo info) {}

  /** What the connection manager offers a filter. */
  interface Callbacks {
    StreamInfo streamInfo();

    EventLoop eventLoop();

    /** Whether the request is gRPC (content-type application/grpc*). */
    boolean grpc();

    /**
     * Ends the stream with a proxy-generated reply (a gRPC error for gRPC requests).
     *
     * @param status the HTTP status
     * @param flag the response flag to record, or null
     * @param details Envoy's response code details, e.g. {@code "rbac_access_denied"}
     * @param reason one human line, used as the body and as {@link StreamInfo#failureReason}
     */
    void sendLocalReply(int status, ResponseFlag flag, String details, String reason);

    /** Resumes the chain after a filter returned {@link Status#STOP} without replying; must run on the loop. */
    void continueDecoding();
  }
}
