package io.trellis.bench.load;

import java.util.Arrays;

/** A growable FIFO of primitive longs (intended send times waiting for a free connection). */
final class LongQueue {
  private long[] items = new long[1024];
  private int head;
  private int size;

  void add(long v) {
    if (size == items.length) {
      long[] bigger = new long[items.length * 2];
      for (int i = 0; i < size; i++) {
        bigger[i] = items[(head + i) % items.length];
      }
      items = bigger;
      head = 0;
    }
    items[(head + size) % items.length] = v;
    size++;
  }

  long peek() {
    return items[head];
  }

  long poll() {
    long v = items[head];
    head = (head + 1) % items.length;
    size--;
    return v;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  void clear() {
    Arrays.fill(items, 0);
    head = 0;
    size = 0;
  }
}
