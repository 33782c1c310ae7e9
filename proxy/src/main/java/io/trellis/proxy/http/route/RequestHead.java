package io.trellis.proxy.http.route;

import io.netty.handler.codec.http.HttpHeaders;

/** What the router needs from a request; implemented by the HTTP layer over Netty {@link HttpHeaders}. */
public interface RequestHead {
  /** The method, for example {@code "GET"}. */
  String method();

  /** The {@code :path} / request-target, with the query string. */
  String path();

  /** The {@code Host} / {@code :authority}, possibly with a port. */
  String authority();

  /** {@code "http"} or {@code "https"}. */
  String scheme();

  /** All request headers (lower-case names for HTTP/2). */
  HttpHeaders headers();

  /** A plain value implementation, for tests, benchmarks and callers that already have the parts. */
  static RequestHead of(String method, String path, String authority, String scheme, HttpHeaders headers) {
    return new BasicRequestHead(method, path, authority, scheme, headers);
  }

  /** The value implementation behind {@link #of}. */
  record BasicRequestHead(String method, String path, String authority, String scheme, HttpHeaders headers)
      implements RequestHead {}
}
