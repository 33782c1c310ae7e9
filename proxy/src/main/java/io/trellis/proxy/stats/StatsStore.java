package io.trellis.proxy.stats;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * All stats of one proxy, by their Envoy name ({@code cluster.backend.upstream_rq_total},
 * {@code http.ingress.downstream_rq_2xx}, {@code listener.0.0.0.0_10000.downstream_cx_total}).
 *
 * <p>Stats are looked up by name when config is applied and held by the objects that update them; nothing on the
 * request path builds a stat name from strings. Looking up an existing name returns the same object, so a config
 * update keeps counting where the old config left off, as Envoy does.
 */
public final class StatsStore {
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();
  private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();

  public Counter counter(String name) {
    return counters.computeIfAbsent(name, Counter::new);
  }

  public Gauge gauge(String name) {
    return gauges.computeIfAbsent(name, Gauge::new);
  }

  public Histogram histogram(String name) {
    return histograms.computeIfAbsent(name, Histogram::new);
  }

  /** The counter of that name if it exists, without creating it (admin reads). */
  public Counter findCounter(String name) {
    return counters.get(name);
  }

  /** The gauge of that name if it exists, without creating it (admin reads). */
  public Gauge findGauge(String name) {
    return gauges.get(name);
  }

  /** A view with a name prefix, e.g. {@code scope("cluster.backend.")}. */
  public Scope scope(String prefix) {
    return new Scope(this, prefix);
  }

  public Map<String, Counter> counters() {
    return new ConcurrentSkipListMap<>(counters);
  }

  public Map<String, Gauge> gauges() {
    return new ConcurrentSkipListMap<>(gauges);
  }

  public Map<String, Histogram> histograms() {
    return new ConcurrentSkipListMap<>(histograms);
  }

  /** A prefix over a store. */
  public record Scope(StatsStore store, String prefix) {
    public Counter counter(String name) {
      return store.counter(prefix + name);
    }

    public Gauge gauge(String name) {
      return store.gauge(prefix + name);
    }

    public Histogram histogram(String name) {
      return store.histogram(prefix + name);
    }

    public Scope scope(String more) {
      return new Scope(store, prefix + more);
    }
  }
}
