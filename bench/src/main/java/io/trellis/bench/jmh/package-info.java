/**
 * JMH micro-benchmarks of the proxy's hot paths. {@code bench/run --jmh-smoke} runs each once (1 fork, 1 warm-up and
 * 1 measurement iteration of 1 s) to prove that they build and run; such a smoke claims no figures.
 */
package io.trellis.bench.jmh;
