package io.trellis.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.util.List;

/** Helpers that load or validate a snippet and return its diagnostics rendered as lines. */
final class ConfigAssertions {
  private ConfigAssertions() {}

  /** Diagnostics of parsing {@code yaml} as {@code t.yaml}; fails the test when it parses. */
  static List<String> parseErrors(String yaml) {
    return parseErrors(yaml, "t.yaml");
  }

  static List<String> parseErrors(String text, String file) {
    try {
      BootstrapLoader.parse(text, file);
    } catch (ConfigException e) {
      assertThat(e.diagnostics()).allSatisfy(d -> assertThat(d.file()).isEqualTo(file));
      return e.diagnostics().stream().map(Diagnostic::toString).toList();
    }
    return fail("expected an error for:\n" + text);
  }

  /** Diagnostics of parsing and validating {@code yaml}; fails the test when it is valid. */
  static List<String> validationErrors(String yaml) {
    Bootstrap b;
    try {
      b = BootstrapLoader.parse(yaml, "t.yaml");
    } catch (ConfigException e) {
      return fail("expected it to parse, got:\n" + e.getMessage());
    }
    try {
      BootstrapValidator.validate(b, "t.yaml");
    } catch (ConfigException e) {
      assertThat(e.diagnostics()).allSatisfy(d -> assertThat(d.file()).isEqualTo("t.yaml"));
      return e.diagnostics().stream().map(Diagnostic::toString).toList();
    }
    return fail("expected a validation error for:\n" + yaml);
  }

  static Bootstrap valid(String yaml) {
    try {
      Bootstrap b = BootstrapLoader.parse(yaml, "t.yaml");
      BootstrapValidator.validate(b, "t.yaml");
      return b;
    } catch (ConfigException e) {
      return fail("expected it to be valid, got:\n" + e.getMessage());
    }
  }
}
