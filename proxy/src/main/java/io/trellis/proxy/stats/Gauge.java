package io.trellis.proxy.stats;

import java.util.concurrent.atomic.AtomicLong;

/** A value that goes up and down (active connections, pending requests). */
public final class Gauge {
  private final String name;
  private final AtomicLong value = new AtomicLong();
  // Set once without ordering (a reader that sees it late shows the stat one render later); read before written so
  // the hot path does not dirty a shared cache line on every update.
  private boolean used;

  Gauge(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void inc() {
    markUsed();
    value.incrementAndGet();
  }

  public void dec() {
    markUsed();
    value.decrementAndGet();
  }

  public void add(long n) {
    markUsed();
    value.addAndGet(n);
  }

  public void set(long v) {
    markUsed();
    value.set(v);
  }

  public long value() {
    return value.get();
  }

  /** Envoy's "used" flag ({@code /stats?usedonly}): true once the gauge was ever written. */
  public boolean used() {
    return used || value.get() != 0;
  }

  private void markUsed() {
    if (!used) {
      used = true;
    }
  }
}
