package io.trellis.proxy.accesslog;

import io.trellis.proxy.stream.StreamInfo;

/**
 * One configured access log ({@code access_log[]} of a listener, tcp_proxy or http_connection_manager). Called on the
 * event loop when a stream or connection ends; implementations format on the caller and hand writes to a background
 * writer so the loop never blocks on the file.
 */
@FunctionalInterface
public interface AccessLog {
  AccessLog NONE = info -> {};

  void log(StreamInfo info);
}
