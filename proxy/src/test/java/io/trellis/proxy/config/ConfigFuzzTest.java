package io.trellis.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.trellis.common.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the config path (text, tree, message, validation): whatever the bytes, the only failure is a
 * {@link ConfigException}. In CI this runs in regression mode over the committed corpus
 * ({@code ConfigFuzzTestInputs/parse/}); {@code JAZZER_FUZZ=1} fuzzes for real and adds crashing inputs there.
 */
class ConfigFuzzTest {
  private static final AtomicInteger INPUTS = new AtomicInteger();
  private static final AtomicInteger FAILURES = new AtomicInteger();

  /**
   * In regression mode (CI) no instrumentation is needed, and Jazzer 0.24 cannot instrument Java 25 class files anyway
   * (each attempt logs a stack trace and costs time): turn its hooks off before the fuzz test configures the agent.
   */
  @BeforeAll
  static void noHooksInRegressionMode() {
    if (System.getenv("JAZZER_FUZZ") == null || System.getenv("JAZZER_FUZZ").isEmpty()) {
      System.setProperty("jazzer.hooks", "false");
    }
  }

  @FuzzTest(maxDuration = "10m")
  void parse(byte[] input) {
    INPUTS.incrementAndGet();
    // The first byte picks the syntax, so that both readers are fuzzed; the rest is the file.
    boolean json = input.length > 0 && (input[0] & 1) == 1;
    String text = new String(input, input.length > 0 ? 1 : 0, Math.max(0, input.length - 1),
        StandardCharsets.UTF_8);
    try {
      BootstrapValidator.validate(BootstrapLoader.parse(text, json ? "fuzz.json" : "fuzz.yaml"), "fuzz");
    } catch (ConfigException e) {
      assertThat(e.diagnostics()).isNotEmpty();
      assertThat(e.getMessage()).isNotBlank();
    } catch (Throwable t) {
      FAILURES.incrementAndGet();
      throw t;
    }
  }

  @AfterAll
  static void report() {
    System.out.println("fuzz-regress: " + INPUTS.get() + " corpus inputs, " + FAILURES.get() + " failures");
  }
}
