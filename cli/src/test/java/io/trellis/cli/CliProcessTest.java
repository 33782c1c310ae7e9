package io.trellis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.JvmProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trellis command as a real process: exit codes and messages a user sees. */
class CliProcessTest {
  private static final Duration T = Duration.ofSeconds(60);

  @Test
  void versionPrintsAndExitsZero() throws Exception {
    try (JvmProcess p = JvmProcess.start(Main.class.getName(), List.of("version"))) {
      assertThat(p.waitFor(T)).isZero();
      assertThat(p.stdout()).startsWith("trellis ").contains("java 25");
    }
  }

  @Test
  void unknownCommandIsUsageError() throws Exception {
    try (JvmProcess p = JvmProcess.start(Main.class.getName(), List.of("frobnicate"))) {
      assertThat(p.waitFor(T)).isEqualTo(2);
      assertThat(p.stderr()).contains("frobnicate").contains("--help");
    }
  }

  @Test
  void missingConfigFileIsUsageError() throws Exception {
    try (JvmProcess p = JvmProcess.start(Main.class.getName(), List.of("proxy", "--config", "/nonexistent.yaml"))) {
      assertThat(p.waitFor(T)).isEqualTo(2);
      assertThat(p.stderr()).contains("/nonexistent.yaml");
    }
  }

  @Test
  void invalidConfigNamesFileAndFieldAndExitsTwo(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "static_resources:\n  clusters:\n  - name: a\n    bogus_field: 1\n");
    try (JvmProcess p = JvmProcess.start(Main.class.getName(), List.of("proxy", "--config", bad.toString()))) {
      assertThat(p.waitFor(T)).isEqualTo(2);
      assertThat(p.stderr()).contains("bad.yaml").contains("bogus_field");
    }
  }
}
