package io.trellis.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegexSizeTest {
  @ParameterizedTest
  @ValueSource(strings = {"^/items/[0-9]+$", "^/(?P<id>[a-z]{1,64})/(v1|v2)/.*", "(?i)hello|world", "[]a]\\d{3}",
      "a{2,}", "\\p{Greek}+", "[[:alpha:]]{10}", "x{", "a{1,5}?b", "(a|b|c){10}"})
  void realisticRegexesAreSmallAndTheEstimateBoundsRe2j(String regex) {
    long estimate = RegexSize.estimate(regex);
    assertThat(estimate).isLessThan(SupportWalk.MAX_REGEX_PROGRAM);
    assertThat(SupportWalk.compileProblem(regex)).isNull();
    Pattern.compile(regex); // and it compiles
  }

  @Test
  void nestedRepetitionsMultiply() {
    assertThat(RegexSize.estimate("((a{100}){100}){100}")).isGreaterThan(1_000_000);
    assertThat(RegexSize.estimate("((((a{1000}){1000}){1000}){1000}){1000}")).isEqualTo(1L << 40);
    assertThat(SupportWalk.compileProblem("((((a{100}){100}){100}){100})"))
        .isEqualTo("it is too large once its repetitions are expanded (about more than 10^12 instructions; the "
            .replace("more than 10^12", String.valueOf(RegexSize.estimate("((((a{100}){100}){100}){100})")))
            + "limit is 10000)");
  }

  @Test
  void malformedInputNeverThrows() {
    for (String s : new String[] {"(", ")", "((", "[", "\\", "\\p{", "a{99999999}", "(?", "(?P<x", "[[:", "|||", ""}) {
      RegexSize.estimate(s);
    }
  }
}
