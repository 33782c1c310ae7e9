/**
 * The proxy's stats: counters, gauges and histograms named as Envoy names them, created when config is applied and
 * updated lock-free on the event loops ({@link io.trellis.proxy.stats.StatsStore}); and their rendering for the admin
 * server in Envoy's text, JSON and Prometheus forms with Envoy's default tag extraction
 * ({@link io.trellis.proxy.stats.StatsRenderer}, {@link io.trellis.proxy.stats.TagExtractor}).
 */
package io.trellis.proxy.stats;
