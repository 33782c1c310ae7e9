package io.trellis.proxy.network;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.common.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rejects the fields of a config message that Trellis does not implement, so that no field is ignored silently. Each
 * set field whose proto name is not in the supported set yields one diagnostic with its path and the supported names.
 */
public final class SupportedFields {
  private SupportedFields() {}

  /** Code of the diagnostic for a field that is set but not implemented. */
  public static final String UNSUPPORTED = ConfigCode.UNSUPPORTED_FIELD.code();

  public static void check(Message message, String path, Set<String> supported) throws ConfigException {
    List<Diagnostic> problems = new ArrayList<>();
    collect(message, path, supported, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  /** Adds one diagnostic per unsupported set field of {@code message} to {@code problems}. */
  public static void collect(Message message, String path, Set<String> supported, List<Diagnostic> problems) {
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      String name = e.getKey().getName();
      if (!supported.contains(name)) {
        problems.add(Diagnostic.at(UNSUPPORTED, path + "." + name,
            "field '" + name + "' is not supported by Trellis (supported here: " + new TreeSet<>(supported) + ")"));
      }
    }
  }
}
