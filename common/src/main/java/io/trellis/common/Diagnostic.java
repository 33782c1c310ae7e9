package io.trellis.common;

import java.util.Objects;

/**
 * One problem found in configuration: where it is (file and path to the field), what was found, and what was expected.
 *
 * <p>Rendered as {@code FILE: PATH: MESSAGE}, for example
 * {@code envoy.yaml: static_resources.clusters[0].lb_policy: value 'MAGLEV' is not supported (supported: ROUND_ROBIN)}.
 * The {@code code} is stable (TRLS0001...) so that tooling and documentation can refer to it.
 */
public record Diagnostic(String code, String file, String path, String message) {

  public Diagnostic {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    file = file == null ? "" : file;
    path = path == null ? "" : path;
  }

  /** A diagnostic without a file yet; {@link #inFile(String)} adds it once known. */
  public static Diagnostic at(String code, String path, String message) {
    return new Diagnostic(code, "", path, message);
  }

  public Diagnostic inFile(String newFile) {
    return new Diagnostic(code, newFile, path, message);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (!file.isEmpty()) {
      sb.append(file).append(": ");
    }
    if (!path.isEmpty()) {
      sb.append(path).append(": ");
    }
    return sb.append(message).append(" [").append(code).append(']').toString();
  }
}
