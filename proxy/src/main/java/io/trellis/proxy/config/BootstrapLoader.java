package io.trellis.proxy.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads an Envoy v3 bootstrap file (YAML or JSON) into the {@link Bootstrap} message.
 *
 * <p>The text becomes a tree ({@link DocumentReader}: YAML with anchors and merge keys, or JSON when the file name
 * ends in {@code .json}), and the tree becomes the message ({@link ProtoJsonReader}: proto3 JSON mapping, unknown
 * fields are errors). Every problem is reported, each as a {@link Diagnostic} naming the file and the path to the
 * field. What Trellis supports of the message is checked afterwards by {@link BootstrapValidator}.
 */
public final class BootstrapLoader {
  private BootstrapLoader() {}

  public static Bootstrap load(Path file) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(new Diagnostic(ConfigCode.CANNOT_READ.code(), file.toString(), "",
          "cannot read the file: it does not exist"));
    } catch (CharacterCodingException e) {
      throw new ConfigException(new Diagnostic(ConfigCode.CANNOT_READ.code(), file.toString(), "",
          "cannot read the file: it is not UTF-8 text"));
    } catch (IOException e) {
      throw new ConfigException(new Diagnostic(ConfigCode.CANNOT_READ.code(), file.toString(), "",
          "cannot read the file: " + e));
    }
    return parse(text, file.toString());
  }

  /**
   * Parses {@code text}; {@code fileName} names the source in diagnostics and picks the syntax (JSON for
   * {@code *.json}, YAML otherwise).
   */
  public static Bootstrap parse(String text, String fileName) throws ConfigException {
    try {
      String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
      ObjectNode tree = DocumentReader.read(body, fileName);
      Bootstrap.Builder b = Bootstrap.newBuilder();
      ProtoJsonReader.merge(tree, b);
      return b.build();
    } catch (ConfigException e) {
      throw e.inFile(fileName);
    }
  }
}
