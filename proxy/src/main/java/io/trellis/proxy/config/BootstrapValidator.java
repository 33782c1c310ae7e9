package io.trellis.proxy.config;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Rejects what Trellis does not implement, naming the field, and checks what spans the bootstrap (a route to an unknown
 * cluster, two listeners on one port). Every problem is reported, not only the first.
 *
 * <p>Two passes: {@link SupportWalk} visits every set field (typed_config contents too) against the allowlist files
 * ({@link SupportedFields}); {@link SemanticChecks} then checks names, references, filter order and addresses.
 */
public final class BootstrapValidator {
  private BootstrapValidator() {}

  public static void validate(Bootstrap bootstrap, String file) throws ConfigException {
    List<Diagnostic> errors = new ArrayList<>();
    new SupportWalk(errors).walk(bootstrap, "");
    new SemanticChecks(errors).check(bootstrap);
    // Where a specific check and an API rule report the same field, keep the specific (clearer) message.
    Set<String> specific = errors.stream().filter(d -> !d.code().equals(ConfigCode.API_RULE.code()))
        .map(Diagnostic::path).collect(Collectors.toSet());
    errors.removeIf(d -> d.code().equals(ConfigCode.API_RULE.code()) && specific.contains(d.path()));
    if (errors.size() > ProtoJsonReader.MAX_ERRORS) {
      int more = errors.size() - ProtoJsonReader.MAX_ERRORS;
      errors = new ArrayList<>(errors.subList(0, ProtoJsonReader.MAX_ERRORS));
      errors.add(Diagnostic.at(ConfigCode.TOO_MANY_ERRORS.code(), "", "too many errors; " + more
          + " more not shown"));
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors).inFile(file);
    }
  }
}
