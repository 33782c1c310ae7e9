/**
 * The Trellis benchmark harness: an open-loop load generator ({@code load}), a small HTTP/1.1, h2c, gRPC and TCP
 * echo backend ({@code backend}), the report that pools repetitions into results.json and results.md
 * ({@code report}), and JMH micro-benchmarks of the proxy's hot paths ({@code jmh}). {@code bench/run} drives them.
 * Nothing here runs as a test: benchmarks measure, they do not assert.
 */
package io.trellis.bench;
