/**
 * The benchmark backend: a small Netty server answering HTTP/1.1 and h2c (prior knowledge) with a fixed body, echoing
 * gRPC unary messages, and a TCP echo server. It runs as its own process so that it can be pinned with taskset.
 */
package io.trellis.bench.backend;
