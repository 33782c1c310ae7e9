package io.trellis.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.proxy.stats.PrometheusTextParser;
import io.trellis.proxy.stats.StatsQuery;
import io.trellis.proxy.stats.StatsRenderer;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.stats.TagExtractor;
import io.trellis.proxy.stream.StreamInfo;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random inputs (bounded, reproducible): a format string either parses or is rejected with
 * IllegalArgumentException, and a parsed format formats any StreamInfo; any stat names render to an exposition the
 * strict parser accepts.
 */
class FormatPropertyTest {
  private static final String[] PIECES = {"%", "(", ")", ":", "?", "%START_TIME", "%REQ", "%RESP", "%TRAILER",
      "%RESPONSE_CODE%", "%DURATION%", "%BYTES_SENT", "%UPSTREAM_HOST%", "%TRELLIS_REASON%", "(%Y-%m-%E3S)",
      "(%Q)", "(:PATH)", "(USER-AGENT?X)", ":3", ":99999999999", "%%", "abc", " ", "\n", "\"", "\\", "é", "%f", "%9f",
      "%ENVIRONMENT(HOME)%", "%HOSTNAME%", "%NOPE%", "%START_TIME(%s.%3f)%", "(", "%REQ(:METHOD)%"};

  @Test
  void formatStringsParseOrAreRejectedAndNeverBreakFormatting() {
    Random r = new Random(20261124);
    int parsed = 0;
    int rejected = 0;
    StreamInfo full = LogFormatterTest.full();
    StreamInfo empty = new StreamInfo();
    for (int i = 0; i < 20_000; i++) {
      StringBuilder f = new StringBuilder();
      int n = r.nextInt(8);
      for (int k = 0; k < n; k++) {
        f.append(PIECES[r.nextInt(PIECES.length)]);
      }
      LogFormatter formatter;
      try {
        formatter = LogFormatter.text(f.toString(), r.nextBoolean());
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).isNotBlank();
        rejected++;
        continue;
      }
      parsed++;
      StringBuilder out = new StringBuilder();
      formatter.format(full, out);
      formatter.format(empty, out);
      if (f.indexOf("%") < 0) {
        assertThat(out.toString()).isEqualTo(f.toString() + f);
      }
    }
    System.out.println("format-property: 20000 random formats, " + parsed + " parsed, " + rejected + " rejected, "
        + "0 unexpected exceptions");
    assertThat(parsed).isPositive();
    assertThat(rejected).isPositive();
  }

  @Test
  void anyStatNamesRenderToAValidExposition() {
    Random r = new Random(7);
    String alphabet = "abc.._-0123456789\"\\\n{}= :[]";
    for (int round = 0; round < 200; round++) {
      StatsStore s = new StatsStore();
      int n = 1 + r.nextInt(20);
      for (int i = 0; i < n; i++) {
        StringBuilder name = new StringBuilder(r.nextBoolean() ? "cluster." : r.nextBoolean() ? "http." : "");
        int len = 1 + r.nextInt(12);
        for (int k = 0; k < len; k++) {
          name.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        name.append(r.nextBoolean() ? ".upstream_rq_2xx" : ".x_total");
        switch (r.nextInt(3)) {
          case 0 -> s.counter(name.toString()).add(r.nextInt(100));
          case 1 -> s.gauge(name + "_g").set(r.nextInt(100) - 50);
          default -> s.histogram(name + "_h").record(r.nextInt(100_000));
        }
      }
      String text = StatsRenderer.prometheus(s, StatsQuery.ALL, TagExtractor.envoyDefaults());
      PrometheusTextParser.parse(text);
    }
  }
}
