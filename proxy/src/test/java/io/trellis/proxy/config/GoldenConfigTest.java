package io.trellis.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Golden files: every bootstrap under {@code valid/} loads and validates; every one under {@code invalid/} fails with
 * exactly the lines of its {@code .expected} file (diagnostics rendered as {@code FILE: PATH: message [code]}).
 */
class GoldenConfigTest {
  static Path dir(String name) {
    try {
      return Path.of(GoldenConfigTest.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Path> configs(String name) throws Exception {
    try (Stream<Path> files = Files.list(dir(name))) {
      return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".json")).sorted().toList();
    }
  }

  static List<String> diagnostics(Path file) throws Exception {
    String name = file.getFileName().toString();
    try {
      BootstrapValidator.validate(BootstrapLoader.parse(Files.readString(file), name), name);
      return List.of();
    } catch (ConfigException e) {
      return e.diagnostics().stream().map(Diagnostic::toString).toList();
    }
  }

  @Test
  void validConfigsPass() throws Exception {
    List<Path> files = configs("valid");
    assertThat(files).hasSizeGreaterThanOrEqualTo(4);
    List<String> failures = new ArrayList<>();
    for (Path f : files) {
      failures.addAll(diagnostics(f));
    }
    System.out.println("golden-valid: " + files.size() + " configs, " + failures.size() + " errors");
    assertThat(failures).isEmpty();
  }

  @Test
  void invalidConfigsFailWithTheirExpectedLines() throws Exception {
    List<Path> files = configs("invalid");
    assertThat(files).hasSizeGreaterThanOrEqualTo(10);
    int mismatches = 0;
    StringBuilder report = new StringBuilder();
    for (Path f : files) {
      Path expectedFile = f.resolveSibling(f.getFileName().toString().replaceAll("\\.(yaml|json)$", ".expected"));
      List<String> expected = Files.exists(expectedFile)
          ? Files.readAllLines(expectedFile).stream().filter(l -> !l.isBlank()).toList() : List.of("<missing>");
      List<String> actual = diagnostics(f);
      if (!actual.equals(expected)) {
        mismatches++;
        report.append("\n").append(f.getFileName()).append(":\n  expected ").append(String.join("\n           ",
            expected)).append("\n  actual   ").append(String.join("\n           ", actual));
      }
    }
    System.out.println("golden-invalid: " + files.size() + " configs, " + mismatches + " mismatches");
    assertThat(mismatches).as(report.toString()).isZero();
  }
}
