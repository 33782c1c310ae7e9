package io.trellis.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.AsciiString;
import java.util.List;

/** Header rules shared by both directions: hop-by-hop stripping, TE, framing between HTTP/1.1 and HTTP/2. */
final class Headers {
  static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");
  static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_ENVOY_UPSTREAM_SERVICE_TIME = AsciiString.cached("x-envoy-upstream-service-time");
  static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
  static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
  static final AsciiString X_HTTP2_SCHEME = ExtensionHeaderNames.SCHEME.text();
  static final AsciiString X_HTTP2_STREAM_ID = ExtensionHeaderNames.STREAM_ID.text();
  private static final List<AsciiString> EXTENSIONS = List.of(ExtensionHeaderNames.STREAM_ID.text(),
      ExtensionHeaderNames.SCHEME.text(), ExtensionHeaderNames.PATH.text(),
      ExtensionHeaderNames.STREAM_PROMISE_ID.text(), ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text(),
      ExtensionHeaderNames.STREAM_WEIGHT.text());

  private Headers() {}

  /**
   * Removes connection-specific headers (RFC 9110 §7.6.1, RFC 9113 §8.2.2): those named by Connection, connection,
   * keep-alive, proxy-connection, transfer-encoding, upgrade (unless {@code keepUpgrade}), http2-settings, Netty's
   * x-http2-* conversion headers, and te unless it is exactly "trailers".
   */
  static void stripHopByHop(HttpHeaders h, boolean keepUpgrade) {
    if (keepUpgrade) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE);
    } else {
      for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
        for (String token : value.split(",")) {
          String t = token.trim();
          if (!t.isEmpty() && !t.equalsIgnoreCase("te")) {
            h.remove(t);
          }
        }
      }
      h.remove(HttpHeaderNames.CONNECTION);
      h.remove(HttpHeaderNames.UPGRADE);
    }
    h.remove(KEEP_ALIVE);
    h.remove(PROXY_CONNECTION);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.remove(HTTP2_SETTINGS);
    String te = h.get(HttpHeaderNames.TE);
    if (te != null && !te.trim().equalsIgnoreCase("trailers")) {
      h.remove(HttpHeaderNames.TE);
    }
    for (AsciiString x : EXTENSIONS) {
      h.remove(x);
    }
  }

  static boolean isGrpc(HttpHeaders h) {
    String ct = h.get(HttpHeaderNames.CONTENT_TYPE);
    return ct != null && ct.regionMatches(true, 0, "application/grpc", 0, 16);
  }

  /** Whether the name has an underscore (headers_with_underscores_action). */
  static boolean hasUnderscore(CharSequence name) {
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) == '_') {
        return true;
      }
    }
    return false;
  }
}
