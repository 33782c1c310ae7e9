package io.trellis.proxy.http.route;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegexPrefixTest {
  @ParameterizedTest(name = "{0} -> ''{1}''")
  @CsvSource(delimiter = '>', quoteCharacter = '"', value = {
      "/users/[0-9]+       > /users/",
      "^/api/v1/.*         > /api/v1/",
      "/ab?c               > /a",
      "/ab*                > /a",
      "/ab+                > /a",
      "/ab{2}              > /a",
      "/a.b                > /a",
      "/a\\.b              > /a",
      "(?i)/users          > \"\"",
      "/users|/admin       > \"\"",
      "[/]x                > \"\"",
      "/x(?i)abc           > /x",
      "/exact              > /exact"})
  void literalPrefixIsNecessaryForAFullMatch(String regex, String prefix) {
    assertThat(RegexPrefix.of(regex)).isEqualTo(prefix);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/ab?c | /ac", "/ab*c | /ac", "/x(?i)ABC | /xabc", "^/api/v1/.* | /api/v1/x", "/a{0}b | /b"})
  void aPathThatTheRegexMatchesAlwaysPassesThePrefixCheck(String regex, String path) {
    PathMatch.Regex m = new PathMatch.Regex(Pattern.compile(regex));
    assertThat(Pattern.compile(regex).matches(path)).isTrue();
    assertThat(m.matches(path, path.length(), null)).isTrue();
  }
}
