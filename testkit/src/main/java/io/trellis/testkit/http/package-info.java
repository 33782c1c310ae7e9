/**
 * Real HTTP peers for tests, on 127.0.0.1 and port 0: {@link io.trellis.testkit.http.TestHttpServer} (HTTP/1.1 or h2c
 * with prior knowledge; echo, large streamed bodies, trailers, delays, resets, websocket),
 * {@link io.trellis.testkit.http.TestHttpClient} (Netty client, HTTP/1.1 keep-alive or h2c, streamed bodies checked by
 * digest) and {@link io.trellis.testkit.http.RawHttp} (exact bytes over a socket, for malformed input).
 */
package io.trellis.testkit.http;
