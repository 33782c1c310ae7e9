package io.trellis.proxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Proxy-generated replies. A gRPC request gets HTTP 200 with {@code grpc-status} and {@code grpc-message} in a
 * trailers-only response; anything else gets the status with the reason as a short text body.
 */
final class LocalReply {
  private LocalReply() {}

  /** gRPC status codes. */
  static final int GRPC_INTERNAL = 13;
  static final int GRPC_UNAUTHENTICATED = 16;
  static final int GRPC_PERMISSION_DENIED = 7;
  static final int GRPC_UNIMPLEMENTED = 12;
  static final int GRPC_UNAVAILABLE = 14;
  static final int GRPC_DEADLINE_EXCEEDED = 4;
  static final int GRPC_RESOURCE_EXHAUSTED = 8;
  static final int GRPC_UNKNOWN = 2;

  /**
   * Envoy's HTTP-to-gRPC mapping, except that 504 and 408 say DEADLINE_EXCEEDED (Envoy says UNAVAILABLE for 504) and
   * 413/431 say RESOURCE_EXHAUSTED.
   */
  static int grpcStatus(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> GRPC_INTERNAL;
      case 401 -> GRPC_UNAUTHENTICATED;
      case 403 -> GRPC_PERMISSION_DENIED;
      case 404 -> GRPC_UNIMPLEMENTED;
      case 408, 504 -> GRPC_DEADLINE_EXCEEDED;
      case 413, 431 -> GRPC_RESOURCE_EXHAUSTED;
      case 429, 502, 503 -> GRPC_UNAVAILABLE;
      default -> GRPC_UNKNOWN;
    };
  }

  static FullHttpResponse build(ByteBufAllocator alloc, int status, String body, boolean grpc) {
    if (grpc) {
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          alloc.buffer(0, 0));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, Headers.APPLICATION_GRPC);
      r.headers().set(Headers.GRPC_STATUS, Integer.toString(grpcStatus(status)));
      r.headers().set(Headers.GRPC_MESSAGE, percentEncode(body));
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      return r;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        bytes.length == 0 ? alloc.buffer(0, 0) : ByteBufUtil.writeUtf8(alloc, body));
    if (bytes.length > 0) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
    }
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    return r;
  }

  /** gRPC's percent-encoding of grpc-message: bytes outside 0x20..0x7E and '%' become %XX. */
  static String percentEncode(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(b.length);
    for (byte x : b) {
      int c = x & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }
}
