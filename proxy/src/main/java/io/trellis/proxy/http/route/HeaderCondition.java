package io.trellis.proxy.http.route;

import com.google.re2j.Pattern;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import java.util.Set;

/**
 * A compiled {@code envoy.config.route.v3.HeaderMatcher}, with Envoy's semantics: the values of a repeated header are
 * joined with ","; an absent header fails every match kind except {@code present_match} unless
 * {@code treat_missing_header_as_empty}; {@code invert_match} inverts the result of a present header (or a missing one
 * treated as empty); {@code present_match: false} matches an absent header; a matcher with only a name tests presence.
 */
final class HeaderCondition {
  private final HeaderLookup header;
  private final StringMatch valueMatch; // null for present and range matches
  private final boolean presence; // the present_match kind
  private final boolean presentExpected;
  private final boolean range;
  private final long rangeStart;
  private final long rangeEnd;
  private final boolean invert;
  private final boolean missingAsEmpty;

  private HeaderCondition(HeaderLookup header, StringMatch valueMatch, boolean presence, boolean presentExpected,
      boolean range, long rangeStart, long rangeEnd, boolean invert, boolean missingAsEmpty) {
    this.header = header;
    this.valueMatch = valueMatch;
    this.presence = presence;
    this.presentExpected = presentExpected;
    this.range = range;
    this.rangeStart = rangeStart;
    this.rangeEnd = rangeEnd;
    this.invert = invert;
    this.missingAsEmpty = missingAsEmpty;
  }

  boolean matches(RequestHead request) {
    if (presence) {
      return (header.present(request) == presentExpected) != invert;
    }
    String value = header.joined(request);
    if (value == null) {
      if (!missingAsEmpty) {
        return false;
      }
      value = "";
    }
    boolean match;
    if (range) {
      match = inRange(value);
    } else {
      match = valueMatch.matches(value);
    }
    return match != invert;
  }

  private boolean inRange(String value) {
    int i = 0;
    int end = value.length();
    while (i < end && isSpace(value.charAt(i))) {
      i++;
    }
    while (end > i && isSpace(value.charAt(end - 1))) {
      end--;
    }
    boolean negative = false;
    if (i < end && (value.charAt(i) == '-' || value.charAt(i) == '+')) {
      negative = value.charAt(i) == '-';
      i++;
    }
    if (i == end) {
      return false;
    }
    long v = 0; // accumulated negatively so that Long.MIN_VALUE parses
    for (; i < end; i++) {
      int d = value.charAt(i) - '0';
      if (d < 0 || d > 9 || v < (Long.MIN_VALUE + d) / 10) {
        return false;
      }
      v = v * 10 - d;
    }
    if (!negative) {
      if (v == Long.MIN_VALUE) {
        return false;
      }
      v = -v;
    }
    return v >= rangeStart && v < rangeEnd;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t';
  }

  @SuppressWarnings("deprecation") // deprecated fields are still Envoy v3 config and supported
  static HeaderCondition compile(HeaderMatcher m, String path, Problems problems) {
    problems.onlySupported(m, path, Set.of("name", "exact_match", "safe_regex_match", "range_match", "present_match",
        "prefix_match", "suffix_match", "contains_match", "string_match", "invert_match",
        "treat_missing_header_as_empty"));
    if (m.getName().isEmpty()) {
      problems.add(Problems.REQUIRED, path + ".name", "a header name is required");
      return null;
    }
    HeaderLookup lookup = HeaderLookup.of(m.getName());
    boolean invert = m.getInvertMatch();
    boolean missingAsEmpty = m.getTreatMissingHeaderAsEmpty();
    StringMatch value = null;
    switch (m.getHeaderMatchSpecifierCase()) {
      case HEADERMATCHSPECIFIER_NOT_SET -> {
        return new HeaderCondition(lookup, null, true, true, false, 0, 0, invert, missingAsEmpty);
      }
      case PRESENT_MATCH -> {
        return new HeaderCondition(lookup, null, true, m.getPresentMatch(), false, 0, 0, invert, missingAsEmpty);
      }
      case RANGE_MATCH -> {
        long start = m.getRangeMatch().getStart();
        long end = m.getRangeMatch().getEnd();
        if (end <= start) {
          problems.add(Problems.INVALID, path + ".range_match", "range [" + start + ", " + end
              + ") is empty: end must be greater than start");
          return null;
        }
        return new HeaderCondition(lookup, null, false, false, true, start, end, invert, missingAsEmpty);
      }
      // Envoy: an empty exact_match matches any value of a present header.
      case EXACT_MATCH -> value = m.getExactMatch().isEmpty() ? new StringMatch.Prefix("", false)
          : new StringMatch.Exact(m.getExactMatch(), false);
      case PREFIX_MATCH -> value = nonEmpty(m.getPrefixMatch(), path + ".prefix_match", problems)
          ? new StringMatch.Prefix(m.getPrefixMatch(), false) : null;
      case SUFFIX_MATCH -> value = nonEmpty(m.getSuffixMatch(), path + ".suffix_match", problems)
          ? new StringMatch.Suffix(m.getSuffixMatch(), false) : null;
      case CONTAINS_MATCH -> value = nonEmpty(m.getContainsMatch(), path + ".contains_match", problems)
          ? new StringMatch.Contains(m.getContainsMatch(), false) : null;
      case SAFE_REGEX_MATCH -> {
        Pattern p = StringMatch.regex(m.getSafeRegexMatch(), path + ".safe_regex_match", problems);
        value = p == null ? null : new StringMatch.Regex(p);
      }
      case STRING_MATCH -> value = StringMatch.compile(m.getStringMatch(), path + ".string_match", problems);
    }
    return value == null ? null
        : new HeaderCondition(lookup, value, false, false, false, 0, 0, invert, missingAsEmpty);
  }

  private static boolean nonEmpty(String value, String path, Problems problems) {
    if (value.isEmpty()) {
      problems.add(Problems.INVALID, path, "value '' is invalid: must not be empty");
      return false;
    }
    return true;
  }
}
