package io.trellis.proxy.http.route;

import java.util.Map;

/**
 * An immutable open-addressing map from lower-case domain strings to values, looked up by a region of a string and
 * ASCII case-insensitively, so that virtual host selection allocates nothing.
 */
final class DomainMap<V> {
  private final String[] keys;
  private final Object[] values;
  private final int mask;

  DomainMap(Map<String, V> entries) {
    int cap = Integer.highestOneBit(Math.max(4, entries.size() * 2 + 1) * 2 - 1);
    keys = new String[cap];
    values = new Object[cap];
    mask = cap - 1;
    for (Map.Entry<String, V> e : entries.entrySet()) {
      String k = e.getKey();
      int i = hash(k, 0, k.length()) & mask;
      while (keys[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = k;
      values[i] = e.getValue();
    }
  }

  /** The value for {@code s[from, to)} compared ASCII case-insensitively, or null. */
  @SuppressWarnings("unchecked")
  V get(String s, int from, int to) {
    int i = hash(s, from, to) & mask;
    int len = to - from;
    String k;
    while ((k = keys[i]) != null) {
      if (k.length() == len && regionEqualsLower(k, s, from)) {
        return (V) values[i];
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  private static boolean regionEqualsLower(String lowerKey, String s, int from) {
    for (int j = 0, n = lowerKey.length(); j < n; j++) {
      if (lowerKey.charAt(j) != lower(s.charAt(from + j))) {
        return false;
      }
    }
    return true;
  }

  private static int hash(String s, int from, int to) {
    int h = 0;
    for (int i = from; i < to; i++) {
      h = 31 * h + lower(s.charAt(i));
    }
    return h ^ (h >>> 16);
  }

  private static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
  }
}
