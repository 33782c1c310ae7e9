package io.trellis.proxy.http.route;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import java.util.Set;

/**
 * {@code prefix_rewrite} or {@code regex_rewrite}, as Envoy's {@code rewritePathByPrefixOrRegex}: a prefix rewrite
 * swaps the matched prefix (or the whole path, for path and regex matches) and keeps the rest, query included; a regex
 * rewrite replaces every match in the path without its query and fragment, which are kept.
 */
sealed interface PathRewrite {
  /**
   * @param path the request path with query
   * @param match the route's path matcher, for the length of the matched prefix
   */
  String apply(String path, PathMatch match);

  record Prefix(String replacement) implements PathRewrite {
    @Override
    public String apply(String path, PathMatch match) {
      int end = PathMatch.pathEnd(path);
      int n = Math.min(match.rewriteLength(end), path.length());
      return replacement + path.substring(n);
    }
  }

  /**
   * The pattern and Envoy's RE2 substitution, pre-split into literal parts and group numbers: {@code parts[i]} is a
   * String (literal) or an Integer (group).
   */
  record Regex(Pattern pattern, Object[] parts) implements PathRewrite {
    @Override
    public String apply(String path, PathMatch match) {
      int end = PathMatch.pathEnd(path);
      String subject = end == path.length() ? path : path.substring(0, end);
      Matcher m = pattern.matcher(subject);
      if (!m.find()) {
        return path;
      }
      StringBuilder out = new StringBuilder(path.length() + 16);
      int last = 0;
      do {
        out.append(subject, last, m.start());
        for (Object part : parts) {
          if (part instanceof String literal) {
            out.append(literal);
          } else {
            String g = m.group((Integer) part);
            if (g != null) {
              out.append(g);
            }
          }
        }
        last = m.end();
      } while (m.find());
      out.append(subject, last, subject.length());
      return out.append(path, end, path.length()).toString();
    }
  }

  /** Compiles a RegexMatchAndSubstitute; null (with a problem recorded) when invalid. */
  static Regex regex(RegexMatchAndSubstitute r, String path, Problems problems) {
    problems.onlySupported(r, path, Set.of("pattern", "substitution"));
    if (!r.hasPattern()) {
      problems.add(Problems.REQUIRED, path + ".pattern", "a pattern is required");
      return null;
    }
    Pattern p = StringMatch.regex(r.getPattern(), path + ".pattern", problems);
    if (p == null) {
      return null;
    }
    Object[] parts = parseSubstitution(r.getSubstitution(), p.groupCount(), path + ".substitution", problems);
    return parts == null ? null : new Regex(p, parts);
  }

  /**
   * Parses RE2's rewrite string ({@code \0}..{@code \9} for groups, {@code \\} for a backslash) into literal
   * parts and group numbers, checking group numbers as RE2's {@code CheckRewriteString}; null when invalid.
   */
  static Object[] parseSubstitution(String s, int groups, String path, Problems problems) {
    java.util.List<Object> parts = new java.util.ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        literal.append(c);
        continue;
      }
      if (i + 1 >= s.length()) {
        problems.add(Problems.INVALID, path, "value '" + s + "' ends with a lone '\\'");
        return null;
      }
      char n = s.charAt(++i);
      if (n == '\\') {
        literal.append('\\');
      } else if (n >= '0' && n <= '9') {
        int g = n - '0';
        if (g > groups) {
          problems.add(Problems.INVALID, path, "value '" + s + "' refers to group \\" + g + " but the pattern has "
              + groups + " capturing group(s)");
          return null;
        }
        if (!literal.isEmpty()) {
          parts.add(literal.toString());
          literal.setLength(0);
        }
        parts.add(g);
      } else {
        problems.add(Problems.INVALID, path, "value '" + s + "' has an invalid escape '\\" + n
            + "' (use \\0-\\9 for groups or \\\\ for a backslash)");
        return null;
      }
    }
    if (!literal.isEmpty()) {
      parts.add(literal.toString());
    }
    return parts.toArray();
  }
}
