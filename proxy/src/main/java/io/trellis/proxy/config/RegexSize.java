package io.trellis.proxy.config;

/**
 * An upper-bound estimate of the size of the program RE2 compiles a regular expression to, computed from the text
 * before compiling. RE2J has no program-size limit and expands counted repetitions, so {@code ((a{100}){100}){100}}
 * would compile to a million instructions; Envoy bounds the same thing with RE2's max_program_size.
 *
 * <p>The estimate follows the syntax loosely (groups, classes, escapes, quantifiers, alternation) and never throws:
 * malformed input is left for the compiler to reject with its own message.
 */
final class RegexSize {
  /** Beyond this, saturate: the exact figure does not matter once it is over any limit. */
  private static final long CAP = 1L << 40;

  private final String re;
  private int i;

  private RegexSize(String re) {
    this.re = re;
  }

  static long estimate(String regex) {
    RegexSize r = new RegexSize(regex);
    long total = 0;
    while (r.i < regex.length()) {
      total = add(total, r.alternation());
      if (r.i < regex.length()) {
        r.i++; // a stray ')': skip it
      }
    }
    return total;
  }

  private long alternation() {
    long total = sequence();
    while (i < re.length() && re.charAt(i) == '|') {
      i++;
      total = add(add(total, sequence()), 1);
    }
    return total;
  }

  private long sequence() {
    long total = 0;
    while (i < re.length() && re.charAt(i) != '|' && re.charAt(i) != ')') {
      total = add(total, quantified(atom()));
    }
    return total;
  }

  private long atom() {
    char c = re.charAt(i);
    if (c == '(') {
      i++;
      if (i < re.length() && re.charAt(i) == '?') {
        // (?flags) or (?flags:...) or (?P<name>...)
        while (i < re.length() && re.charAt(i) != ':' && re.charAt(i) != ')' && re.charAt(i) != '>') {
          i++;
        }
        if (i < re.length() && re.charAt(i) == ')') {
          i++;
          return 0;
        }
        if (i < re.length()) {
          i++;
        }
      }
      long inner = alternation();
      if (i < re.length() && re.charAt(i) == ')') {
        i++;
      }
      return add(inner, 2);
    }
    if (c == '[') {
      i++;
      if (i < re.length() && re.charAt(i) == '^') {
        i++;
      }
      if (i < re.length() && re.charAt(i) == ']') {
        i++;
      }
      while (i < re.length() && re.charAt(i) != ']') {
        if (re.charAt(i) == '\\') {
          i++;
        } else if (re.startsWith("[:", i)) {
          int end = re.indexOf(":]", i + 2);
          i = end < 0 ? i : end + 1;
        }
        i++;
      }
      i++;
      return 1;
    }
    if (c == '\\') {
      i += 2;
      if (i <= re.length() && i - 1 < re.length() && "pPx".indexOf(re.charAt(i - 1)) >= 0 && i < re.length()
          && re.charAt(i) == '{') {
        int end = re.indexOf('}', i);
        i = end < 0 ? re.length() : end + 1;
      }
      return 1;
    }
    i++;
    return 1;
  }

  private long quantified(long atom) {
    long size = atom;
    while (i < re.length()) {
      char c = re.charAt(i);
      if (c == '*' || c == '+' || c == '?') {
        i++;
        size = add(size, 1);
      } else if (c == '{') {
        int close = re.indexOf('}', i);
        String body = close < 0 ? "" : re.substring(i + 1, close);
        if (!body.matches("\\d{1,7}(,\\d{0,7})?")) {
          return size; // a literal '{'
        }
        String[] parts = body.split(",", -1);
        long n = Long.parseLong(parts[0]);
        long count = parts.length == 1 ? n : parts[1].isEmpty() ? n + 1 : Math.max(n, Long.parseLong(parts[1]));
        size = add(mul(size, Math.max(count, 1)), count);
        i = close + 1;
      } else {
        return size;
      }
      if (i < re.length() && re.charAt(i) == '?') {
        i++; // non-greedy
      }
    }
    return size;
  }

  private static long add(long a, long b) {
    return Math.min(CAP, a + b);
  }

  private static long mul(long a, long b) {
    return a != 0 && b > CAP / a ? CAP : Math.min(CAP, a * b);
  }
}
