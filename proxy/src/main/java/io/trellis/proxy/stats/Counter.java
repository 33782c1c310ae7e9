package io.trellis.proxy.stats;

import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count. Created once when config is applied; incremented on the hot path without locks. */
public final class Counter {
  private final String name;
  private final LongAdder value = new LongAdder();

  Counter(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void inc() {
    value.increment();
  }

  public void add(long n) {
    value.add(n);
  }

  public long value() {
    return value.sum();
  }

  /** Envoy's "used" flag ({@code /stats?usedonly}): true once the counter was ever incremented. */
  public boolean used() {
    return value.sum() != 0;
  }
}
