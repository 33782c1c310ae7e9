package io.trellis.proxy.admin;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * What an admin endpoint answers. {@code afterWrite} runs once the response is on the wire (e.g. /quitquitquit
 * starts the shutdown only after the caller got its 200).
 */
record AdminResponse(HttpResponseStatus status, String contentType, String body, Runnable afterWrite) {
  static final String TEXT = "text/plain; charset=UTF-8";
  static final String JSON = "application/json";

  static AdminResponse text(String body) {
    return new AdminResponse(HttpResponseStatus.OK, TEXT, body, null);
  }

  static AdminResponse text(HttpResponseStatus status, String body) {
    return new AdminResponse(status, TEXT, body, null);
  }

  static AdminResponse json(String body) {
    return new AdminResponse(HttpResponseStatus.OK, JSON, body, null);
  }

  AdminResponse then(Runnable r) {
    return new AdminResponse(status, contentType, body, r);
  }
}
