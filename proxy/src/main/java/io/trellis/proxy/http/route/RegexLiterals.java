package io.trellis.proxy.http.route;

import java.util.ArrayList;
import java.util.List;

/**
 * A cheap necessary condition for a full regex match, found at compile time: the literal runs of the regex's top-level
 * concatenation, which every matching input must contain in order (the first one at the start when the regex starts
 * with it). Checking them with {@code startsWith}/{@code indexOf} rejects most non-matching paths without running RE2J.
 *
 * <p>Conservative: no literals at all when the regex has an alternation, flags other than a plain non-capturing or
 * named group, or {@code \Q}; escapes, classes, groups, {@code .} and anchors only break runs; a literal that a
 * quantifier follows is dropped.
 */
record RegexLiterals(String prefix, String[] inner) {
  static final RegexLiterals NONE = new RegexLiterals("", new String[0]);

  /** Whether {@code s[0, end)} can possibly be a full match. */
  boolean mayMatch(String s, int end) {
    if (end < prefix.length() || !s.startsWith(prefix)) {
      return false;
    }
    int at = prefix.length();
    for (String lit : inner) {
      int i = s.indexOf(lit, at);
      if (i < 0 || i + lit.length() > end) {
        return false;
      }
      at = i + lit.length();
    }
    return true;
  }

  static RegexLiterals of(String re) {
    if (re.indexOf('|') >= 0 || re.contains("\\Q")) {
      return NONE;
    }
    for (int q = re.indexOf("(?"); q >= 0; q = re.indexOf("(?", q + 1)) {
      if (!re.startsWith("(?:", q) && !re.startsWith("(?P<", q)) {
        return NONE; // flags such as (?i) change how literals match
      }
    }
    List<String> runs = new ArrayList<>();
    boolean firstAtStart = true;
    StringBuilder run = new StringBuilder();
    int i = 0;
    int n = re.length();
    while (i < n) {
      char c = re.charAt(i);
      if (isPlain(c)) {
        run.append(c);
        i++;
        continue;
      }
      if (c == '*' || c == '+' || c == '?' || c == '{') {
        if (!run.isEmpty()) {
          run.setLength(run.length() - 1); // the literal before a quantifier is optional or repeated
        }
        if (runs.isEmpty() && run.isEmpty()) {
          firstAtStart = false;
        }
        flush(runs, run);
        i = skipQuantifier(re, i);
        if (i < 0) {
          return NONE;
        }
        continue;
      }
      if (runs.isEmpty() && run.isEmpty() && !(c == '^' && i == 0)) {
        firstAtStart = false;
      }
      flush(runs, run);
      int next = skipToken(re, i);
      if (next < 0) {
        return NONE;
      }
      i = next;
    }
    flush(runs, run);
    if (runs.isEmpty()) {
      return NONE;
    }
    String prefix = firstAtStart ? runs.remove(0) : "";
    return new RegexLiterals(prefix, runs.toArray(String[]::new));
  }

  private static void flush(List<String> runs, StringBuilder run) {
    if (!run.isEmpty()) {
      runs.add(run.toString());
      run.setLength(0);
    }
  }

  /**
   * Skips a quantifier ({@code *}, {@code +}, {@code ?}, {@code {n}}, {@code {n,}}, {@code {n,m}}) and a lazy '?'
   * after it; -1 for a '{' that is not a repetition (RE2 reads it as a literal; we give up rather than guess).
   */
  private static int skipQuantifier(String re, int i) {
    if (re.charAt(i) == '{') {
      int j = i + 1;
      int digits = 0;
      while (j < re.length() && Character.isDigit(re.charAt(j))) {
        j++;
        digits++;
      }
      if (digits > 0 && j < re.length() && re.charAt(j) == ',') {
        j++;
        while (j < re.length() && Character.isDigit(re.charAt(j))) {
          j++;
        }
      }
      if (digits == 0 || j >= re.length() || re.charAt(j) != '}') {
        return -1;
      }
      i = j + 1;
    } else {
      i++;
    }
    return i < re.length() && re.charAt(i) == '?' ? i + 1 : i;
  }

  /** Skips one non-literal token at i (escape, class, group, '.', anchor); -1 when the regex is not understood. */
  private static int skipToken(String re, int i) {
    char c = re.charAt(i);
    switch (c) {
      case '\\' -> {
        if (i + 1 >= re.length()) {
          return -1;
        }
        char e = re.charAt(i + 1);
        if ((e == 'p' || e == 'P' || e == 'x') && i + 2 < re.length() && re.charAt(i + 2) == '{') {
          int close = re.indexOf('}', i + 2);
          return close < 0 ? -1 : close + 1;
        }
        if (e == 'p' || e == 'P') {
          return i + 3;
        }
        if (e == 'x') {
          return i + 4;
        }
        return i + 2;
      }
      case '[' -> {
        return skipClass(re, i);
      }
      case '(' -> {
        int depth = 0;
        for (int j = i; j < re.length(); j++) {
          char g = re.charAt(j);
          if (g == '\\') {
            j++;
          } else if (g == '[') {
            j = skipClass(re, j) - 1;
            if (j < 0) {
              return -1;
            }
          } else if (g == '(') {
            depth++;
          } else if (g == ')' && --depth == 0) {
            return j + 1;
          }
        }
        return -1;
      }
      default -> {
        return i + 1; // '.', '^', '$', ')' or any other symbol: not a literal we rely on
      }
    }
  }

  private static int skipClass(String re, int i) {
    int j = i + 1;
    if (j < re.length() && re.charAt(j) == '^') {
      j++;
    }
    if (j < re.length() && re.charAt(j) == ']') {
      j++;
    }
    for (; j < re.length(); j++) {
      char c = re.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == '[' && j + 1 < re.length() && re.charAt(j + 1) == ':') {
        int close = re.indexOf(":]", j + 2);
        if (close < 0) {
          return -1;
        }
        j = close + 1;
      } else if (c == ']') {
        return j + 1;
      }
    }
    return -1;
  }

  private static boolean isPlain(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_'
        || c == '-' || c == '~' || c == '%' || c == '=' || c == ',' || c == ';' || c == ':' || c == '@' || c == '!'
        || c == '&' || c == '\'' || c == '"' || c == ' ' || c == '<' || c == '>' || c == '#';
  }
}
