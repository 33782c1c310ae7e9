package io.trellis.common;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when configuration is invalid; carries every problem found, not only the first. */
public final class ConfigException extends Exception {
  private final List<Diagnostic> diagnostics;

  public ConfigException(List<Diagnostic> diagnostics) {
    super(render(diagnostics));
    this.diagnostics = List.copyOf(diagnostics);
  }

  public ConfigException(Diagnostic diagnostic) {
    this(List.of(diagnostic));
  }

  public static ConfigException of(String code, String path, String message) {
    return new ConfigException(Diagnostic.at(code, path, message));
  }

  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }

  /** The same problems, attributed to {@code file}. */
  public ConfigException inFile(String file) {
    return new ConfigException(diagnostics.stream().map(d -> d.file().isEmpty() ? d.inFile(file) : d).toList());
  }

  private static String render(List<Diagnostic> diagnostics) {
    if (diagnostics.size() == 1) {
      return diagnostics.get(0).toString();
    }
    return diagnostics.size() + " configuration errors:\n"
        + diagnostics.stream().map(d -> "  " + d).collect(Collectors.joining("\n"));
  }
}
