package io.trellis.proxy.stats;

import java.util.concurrent.atomic.AtomicLong;

/** A value that goes up and down (active connections, pending requests). */
public final class Gauge {
  private final String name;
  private final AtomicLong value = new AtomicLong();
  // Written on every update without ordering: a reader that sees it late only shows a stat one render later.
  private boolean used;

  Gauge(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void inc() {
    used = true;
    value.incrementAndGet();
  }

  public void dec() {
    used = true;
    value.decrementAndGet();
  }

  public void add(long n) {
    used = true;
    value.addAndGet(n);
  }

  public void set(long v) {
    used = true;
    value.set(v);
  }

  public long value() {
    return value.get();
  }

  /** Envoy's "used" flag ({@code /stats?usedonly}): true once the gauge was ever written. */
  public boolean used() {
    return used || value.get() != 0;
  }
}
