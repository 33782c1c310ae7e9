/**
 * Turns the per-run JSON files that {@code bench/run} collects into results.json and results.md: histograms pooled
 * over repetitions, the median and range of per-repetition percentiles, added latency against the direct baseline,
 * ratios against haproxy and nginx, proxy CPU per request and memory. Invalid runs are listed and never pooled.
 */
package io.trellis.bench.report;
