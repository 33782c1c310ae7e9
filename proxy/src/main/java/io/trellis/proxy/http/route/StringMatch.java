package io.trellis.proxy.http.route;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Set;

/** A compiled {@code envoy.type.matcher.v3.StringMatcher}: exact, prefix, suffix, contains or full-match regex. */
sealed interface StringMatch {
  boolean matches(String value);

  record Exact(String expected, boolean ignoreCase) implements StringMatch {
    @Override
    public boolean matches(String value) {
      return ignoreCase ? expected.equalsIgnoreCase(value) : expected.equals(value);
    }
  }

  record Prefix(String prefix, boolean ignoreCase) implements StringMatch {
    @Override
    public boolean matches(String value) {
      return value.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
    }
  }

  record Suffix(String suffix, boolean ignoreCase) implements StringMatch {
    @Override
    public boolean matches(String value) {
      int from = value.length() - suffix.length();
      return from >= 0 && value.regionMatches(ignoreCase, from, suffix, 0, suffix.length());
    }
  }

  record Contains(String part, boolean ignoreCase) implements StringMatch {
    @Override
    public boolean matches(String value) {
      if (!ignoreCase) {
        return value.contains(part);
      }
      for (int i = 0, last = value.length() - part.length(); i <= last; i++) {
        if (value.regionMatches(true, i, part, 0, part.length())) {
          return true;
        }
      }
      return false;
    }
  }

  /** RE2 syntax, matched against the whole value (Envoy's full match). */
  record Regex(Pattern pattern) implements StringMatch {
    @Override
    public boolean matches(String value) {
      return pattern.matches(value);
    }
  }

  /** Compiles a StringMatcher; null (with a problem recorded) when it is invalid. */
  static StringMatch compile(StringMatcher m, String path, Problems problems) {
    problems.onlySupported(m, path, Set.of("exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case"));
    boolean ic = m.getIgnoreCase();
    return switch (m.getMatchPatternCase()) {
      case EXACT -> new Exact(m.getExact(), ic);
      case PREFIX -> nonEmpty(m.getPrefix(), path + ".prefix", problems) ? new Prefix(m.getPrefix(), ic) : null;
      case SUFFIX -> nonEmpty(m.getSuffix(), path + ".suffix", problems) ? new Suffix(m.getSuffix(), ic) : null;
      case CONTAINS ->
          nonEmpty(m.getContains(), path + ".contains", problems) ? new Contains(m.getContains(), ic) : null;
      case SAFE_REGEX -> {
        if (ic) {
          problems.add(Problems.INVALID, path + ".ignore_case", "ignore_case has no effect for safe_regex; "
              + "use (?i) in the regex instead");
          yield null;
        }
        Pattern p = regex(m.getSafeRegex(), path + ".safe_regex", problems);
        yield p == null ? null : new Regex(p);
      }
      case CUSTOM -> null; // reported by onlySupported
      case MATCHPATTERN_NOT_SET -> {
        problems.add(Problems.REQUIRED, path, "one of exact, prefix, suffix, contains, safe_regex is required");
        yield null;
      }
    };
  }

  private static boolean nonEmpty(String value, String path, Problems problems) {
    if (value.isEmpty()) {
      problems.add(Problems.INVALID, path, "value '' is invalid: must not be empty");
      return false;
    }
    return true;
  }

  /** Compiles a RegexMatcher with RE2J (RE2 syntax); null (with a problem recorded) when invalid. */
  @SuppressWarnings("deprecation") // deprecated fields are still Envoy v3 config and supported
  static Pattern regex(RegexMatcher m, String path, Problems problems) {
    problems.onlySupported(m, path, Set.of("regex", "google_re2"));
    if (m.hasGoogleRe2()) {
      problems.onlySupported(m.getGoogleRe2(), path + ".google_re2", Set.of());
    }
    return compileRegex(m.getRegex(), path + ".regex", problems);
  }

  static Pattern compileRegex(String regex, String path, Problems problems) {
    if (regex.isEmpty()) {
      problems.add(Problems.REQUIRED, path, "a regex is required");
      return null;
    }
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      problems.add(Problems.INVALID, path, "value '" + regex + "' is not a valid RE2 regex: " + e.getMessage());
      return null;
    }
  }
}
