/**
 * Real TCP servers for tests of L4 proxying, on loopback and port 0: a byte echo that keeps half-close semantics
 * ({@link io.trellis.testkit.tcp.EchoServer}), a sink/source that records SHA-256 digests of what it received and sent
 * ({@link io.trellis.testkit.tcp.SinkSourceServer}), a fixed HTTP/1.1 responder for clients such as curl
 * ({@link io.trellis.testkit.tcp.FixedHttpServer}), and {@link io.trellis.testkit.tcp.Digests} to compare payloads.
 * Each connection is served by its own virtual thread with blocking sockets, so the servers are simple and
 * independent of the proxy's Netty code.
 */
package io.trellis.testkit.tcp;
