package io.trellis.proxy.http.route;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegexLiteralsTest {
  @ParameterizedTest(name = "{0} -> prefix ''{1}'', then {2}")
  @CsvSource(delimiterString = " => ", quoteCharacter = '"', value = {
      "/users/[0-9]+ => /users/ => \"\"",
      "^/api/v1/.* => /api/v1/ => \"\"",
      "/users/[0-9]+/orders5/[a-z]+ => /users/ => /orders5/",
      "/ab?c => /a => c",
      "/ab* => /a => \"\"",
      "/ab+c => /a => c",
      "/ab{2}c => /a => c",
      "/ab{2,}c => /a => c",
      "/ab{2,5}?c => /a => c",
      "/a.b => /a => b",
      "/a\\.b => /a => b",
      "/a\\d+/x => /a => /x",
      "/a\\p{Greek}/x => /a => /x",
      "/a\\x{41}/x => /a => /x",
      "/a[]x]y => /a => y",
      "/a[^]x]y => /a => y",
      "/a[[:alpha:]]y => /a => y",
      "/a(b(c)d)?e => /a => e",
      "/a(?:bc)/d => /a => /d",
      "/a(?P<n>[0-9]+)/d => /a => /d",
      ".*/health => \"\" => /health",
      "[/]x => \"\" => x",
      "a*/x => \"\" => /x",
      "(?i)/users => \"\" => \"\"",
      "/x(?i)abc => \"\" => \"\"",
      "/users|/admin => \"\" => \"\"",
      "/a\\Qx*\\E => \"\" => \"\"",
      "/a{x} => \"\" => \"\"",
      "/exact => /exact => \"\""})
  void literalsThatEveryFullMatchContains(String regex, String prefix, String inner) {
    RegexLiterals l = RegexLiterals.of(regex);
    assertThat(l.prefix()).isEqualTo(prefix);
    assertThat(l.inner()).containsExactly(inner.isEmpty() ? new String[0] : inner.split(","));
  }

  @Test
  void noPathThatTheRegexMatchesIsRejected() {
    String[] regexes = {"/ab?c", "/ab*c", "/a(b(c)d)?e", "/users/[0-9]+/orders[0-9]/[a-z-]+", ".*/x/.*", "/a{0}b",
        "/(ab)+c/d", "/[a-c]+/b?c", "/a\\.b(/.*)?", "/v[0-9]+(/.*)?", "/a+a+/aa"};
    SplittableRandom r = new SplittableRandom(3);
    String alphabet = "/abcdx0123.-orsuen";
    int matched = 0;
    for (String re : regexes) {
      Pattern p = Pattern.compile(re);
      PathMatch.Regex m = new PathMatch.Regex(p);
      for (int i = 0; i < 20_000; i++) {
        char[] cs = new char[1 + r.nextInt(24)];
        for (int j = 0; j < cs.length; j++) {
          cs[j] = alphabet.charAt(r.nextInt(alphabet.length()));
        }
        cs[0] = '/';
        String path = new String(cs);
        boolean full = p.matches(path);
        matched += full ? 1 : 0;
        assertThat(m.matches(path, path.length(), null)).as(re + " on " + path).isEqualTo(full);
      }
    }
    assertThat(matched).as("random paths that matched some regex").isPositive();
    System.out.println("regex prefilter cross-check: " + matched + " matching of " + regexes.length * 20_000
        + " random paths; " + Arrays.toString(regexes));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/ab?c | /ac", "/ab*c | /ac", "^/api/v1/.* | /api/v1/x", "/a{0}b | /b", "/users/[0-9]+/o5/x | /users/1/o5/x"})
  void knownMatchesPass(String regex, String path) {
    assertThat(Pattern.compile(regex).matches(path)).isTrue();
    assertThat(new PathMatch.Regex(Pattern.compile(regex)).matches(path, path.length(), null)).isTrue();
  }
}
