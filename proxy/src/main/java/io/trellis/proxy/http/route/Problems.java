package io.trellis.proxy.http.route;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Collects every problem found while compiling a route configuration, with the path of the field. */
final class Problems {
  /** A field is set that Trellis does not implement. */
  static final String UNSUPPORTED = "TRLS0701";
  /** A value is malformed or out of range (bad regex, bad weight, bad status). */
  static final String INVALID = "TRLS0702";
  /** Two virtual hosts claim the same domain. */
  static final String DUPLICATE_DOMAIN = "TRLS0703";
  /** A required field is missing. */
  static final String REQUIRED = "TRLS0704";
  /** A header mutation touches a pseudo-header or Host. */
  static final String HEADER_NOT_MODIFIABLE = "TRLS0705";
  /** A header value uses a %VARIABLE% formatter that Trellis does not implement. */
  static final String UNSUPPORTED_FORMATTER = "TRLS0706";

  private final List<Diagnostic> diagnostics = new ArrayList<>();

  /** {@code path.field}, or {@code field} at the top level (empty path). */
  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  void add(String code, String path, String message) {
    diagnostics.add(Diagnostic.at(code, path, message));
  }

  boolean isEmpty() {
    return diagnostics.isEmpty();
  }

  int size() {
    return diagnostics.size();
  }

  void throwIfAny() throws ConfigException {
    if (!diagnostics.isEmpty()) {
      throw new ConfigException(diagnostics);
    }
  }

  /**
   * Reports every field set on {@code message} that is not in {@code supported}, as "field 'x' is not supported".
   * This is the runtime's own guard: a field Trellis does not implement is never ignored silently.
   */
  void onlySupported(Message message, String path, Set<String> supported) {
    for (Integer number : message.getUnknownFields().asMap().keySet()) {
      add(UNSUPPORTED, path, "field number " + number + " is not a field of "
          + message.getDescriptorForType().getFullName() + " in the Envoy API version Trellis reads");
    }
    for (FieldDescriptor field : message.getAllFields().keySet()) {
      if (!supported.contains(field.getName())) {
        add(UNSUPPORTED, join(path, field.getName()), "field '" + field.getName() + "' of "
            + message.getDescriptorForType().getFullName() + " is not supported by Trellis (supported: "
            + String.join(", ", new TreeSet<>(supported)) + ")");
      }
    }
  }
}
