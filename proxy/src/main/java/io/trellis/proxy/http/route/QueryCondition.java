package io.trellis.proxy.http.route;

import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import java.util.Set;

/**
 * A compiled {@code envoy.config.route.v3.QueryParameterMatcher}. As in Envoy, the value compared is the first
 * occurrence of the parameter, not URL-decoded; a parameter without "=" has the value ""; {@code present_match} (of
 * either value) and a matcher with only a name test presence.
 */
final class QueryCondition {
  private final String name;
  private final StringMatch valueMatch; // null: presence only

  private QueryCondition(String name, StringMatch valueMatch) {
    this.name = name;
    this.valueMatch = valueMatch;
  }

  /**
   * @param path the request path with its query
   * @param queryStart the index of '?' in path, or -1
   */
  boolean matches(String path, int queryStart) {
    if (queryStart < 0) {
      return false;
    }
    int end = path.indexOf('#', queryStart);
    if (end < 0) {
      end = path.length();
    }
    int n = name.length();
    int i = queryStart + 1;
    while (i <= end) {
      int amp = path.indexOf('&', i);
      if (amp < 0 || amp > end) {
        amp = end;
      }
      int eq = path.indexOf('=', i);
      int keyEnd = eq >= 0 && eq < amp ? eq : amp;
      if (keyEnd - i == n && path.regionMatches(i, name, 0, n)) {
        if (valueMatch == null) {
          return true;
        }
        String value = keyEnd < amp ? path.substring(keyEnd + 1, amp) : "";
        return valueMatch.matches(value);
      }
      i = amp + 1;
    }
    return false;
  }

  static QueryCondition compile(QueryParameterMatcher m, String path, Problems problems) {
    problems.onlySupported(m, path, Set.of("name", "string_match", "present_match"));
    if (m.getName().isEmpty()) {
      problems.add(Problems.REQUIRED, path + ".name", "a query parameter name is required");
      return null;
    }
    if (m.hasStringMatch()) {
      StringMatch value = StringMatch.compile(m.getStringMatch(), path + ".string_match", problems);
      return value == null ? null : new QueryCondition(m.getName(), value);
    }
    return new QueryCondition(m.getName(), null);
  }
}
