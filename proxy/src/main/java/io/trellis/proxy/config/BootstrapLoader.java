package io.trellis.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.trellis.api.ApiTypes;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an Envoy v3 bootstrap file (YAML or JSON) into the {@link Bootstrap} message. Unknown fields are errors.
 *
 * <p>TODO(config): precise field paths in errors come from {@code ProtoJsonReader}.
 */
public final class BootstrapLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private BootstrapLoader() {}

  public static Bootstrap load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(new Diagnostic("TRLS0001", file.toString(), "", "cannot read file: " + e));
    }
    return parse(text, file.toString());
  }

  public static Bootstrap parse(String text, String fileName) throws ConfigException {
    try {
      JsonNode tree = YAML.readTree(text);
      Bootstrap.Builder b = Bootstrap.newBuilder();
      JsonFormat.parser().usingTypeRegistry(ApiTypes.typeRegistry()).merge(JSON.writeValueAsString(tree), b);
      return b.build();
    } catch (IOException e) {
      throw new ConfigException(new Diagnostic("TRLS0002", fileName, "", e.getMessage()));
    }
  }
}
