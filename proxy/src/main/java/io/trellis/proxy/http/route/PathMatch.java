package io.trellis.proxy.http.route;

import com.google.re2j.Pattern;

/**
 * A compiled route path specifier. Every kind matches the path up to (not including) the first '?' or '#', as Envoy's
 * path matchers strip the query and fragment.
 */
sealed interface PathMatch {
  /**
   * @param path the whole request path
   * @param end the index of the first '?' or '#' in path, or its length
   * @param bare {@code path.substring(0, end)}, computed once per request when the virtual host has regex routes
   *     (see {@link #needsBarePath}); may be null otherwise
   */
  boolean matches(String path, int end, String bare);

  /** Whether {@link #matches} needs the bare path (the path without query and fragment) as a String. */
  default boolean needsBarePath() {
    return false;
  }

  /** How many leading characters of the path {@code prefix_rewrite} replaces: the prefix, or the whole path. */
  int rewriteLength(int end);

  /** A short description for errors and debugging, for example {@code prefix: /api}. */
  String describe();

  record Prefix(String prefix, boolean caseSensitive) implements PathMatch {
    @Override
    public boolean matches(String path, int end, String bare) {
      return end >= prefix.length() && path.regionMatches(!caseSensitive, 0, prefix, 0, prefix.length());
    }

    @Override
    public int rewriteLength(int end) {
      return prefix.length();
    }

    @Override
    public String describe() {
      return "prefix: " + prefix;
    }
  }

  record Exact(String path, boolean caseSensitive) implements PathMatch {
    @Override
    public boolean matches(String requestPath, int end, String bare) {
      return end == path.length() && requestPath.regionMatches(!caseSensitive, 0, path, 0, end);
    }

    @Override
    public int rewriteLength(int end) {
      return end;
    }

    @Override
    public String describe() {
      return "path: " + path;
    }
  }

  /** {@code path_separated_prefix}: the prefix is the whole path or is followed by '/'. */
  record SeparatedPrefix(String prefix, boolean caseSensitive) implements PathMatch {
    @Override
    public boolean matches(String path, int end, String bare) {
      int n = prefix.length();
      return end >= n && path.regionMatches(!caseSensitive, 0, prefix, 0, n) && (end == n || path.charAt(n) == '/');
    }

    @Override
    public int rewriteLength(int end) {
      return prefix.length();
    }

    @Override
    public String describe() {
      return "path_separated_prefix: " + prefix;
    }
  }

  /**
   * {@code safe_regex}: RE2, full match; {@code case_sensitive} does not apply (as in Envoy). {@code literals} are
   * taken from the regex at compile time: a path without them cannot match, so most non-matching paths are rejected
   * without running the regex.
   */
  record Regex(Pattern pattern, RegexLiterals literals) implements PathMatch {
    Regex(Pattern pattern) {
      this(pattern, RegexLiterals.of(pattern.pattern()));
    }

    @Override
    public boolean matches(String path, int end, String bare) {
      if (!literals.mayMatch(path, end)) {
        return false;
      }
      return pattern.matches(bare != null ? bare : end == path.length() ? path : path.substring(0, end));
    }

    @Override
    public boolean needsBarePath() {
      return true;
    }

    @Override
    public int rewriteLength(int end) {
      return end;
    }

    @Override
    public String describe() {
      return "safe_regex: " + pattern.pattern();
    }
  }

  /** The index of the first '?' or '#' in path, or its length. */
  static int pathEnd(String path) {
    for (int i = 0, n = path.length(); i < n; i++) {
      char c = path.charAt(i);
      if (c == '?' || c == '#') {
        return i;
      }
    }
    return path.length();
  }
}
