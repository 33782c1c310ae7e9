package io.trellis.proxy.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Turns the text of a configuration file into a Jackson tree: JSON when the file name ends in {@code .json}, YAML
 * otherwise (YAML also reads most JSON).
 *
 * <p>YAML is composed with SnakeYAML and converted here rather than read with jackson-dataformat-yaml, because that
 * reader leaves aliases ({@code *name}) as plain strings and does not apply merge keys ({@code <<: *base}). Scalars
 * follow the YAML 1.2 core schema, as JSON does: {@code true/false} are booleans, {@code yes/no/on/off} are strings;
 * numbers keep their written precision ({@code 1.10} stays {@code 1.10}). Duplicate keys, several documents, custom
 * tags, recursive aliases and alias bombs are errors, never silently resolved.
 */
final class DocumentReader {
  /** Upper bound on tree nodes after alias expansion: a realistic bootstrap has a few thousand. */
  static final int MAX_NODES = 1_000_000;
  static final int MAX_DEPTH = 200;
  private static final int MAX_NUMBER_LENGTH = 1000;

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  static {
    JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxNestingDepth(MAX_DEPTH).maxNumberLength(MAX_NUMBER_LENGTH).build());
  }

  private static final Pattern YAML_NULL = Pattern.compile("^(?:~|null|Null|NULL|)$");
  private static final Pattern YAML_BOOL = Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$");
  private static final Pattern YAML_INT = Pattern.compile("^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$");
  private static final Pattern YAML_FLOAT = Pattern.compile(
      "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)$");

  private final List<Diagnostic> errors = new ArrayList<>();
  private final IdentityHashMap<Node, Boolean> inProgress = new IdentityHashMap<>();
  private int nodes;

  private DocumentReader() {}

  static boolean isJson(String fileName) {
    return fileName != null && fileName.toLowerCase(Locale.ROOT).endsWith(".json");
  }

  /** The document's tree; its top level is a mapping. Errors carry no file name: the caller adds it. */
  static ObjectNode read(String text, String fileName) throws ConfigException {
    JsonNode root = isJson(fileName) ? readJson(text) : new DocumentReader().readYaml(text);
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw fail(ConfigCode.NOT_A_BOOTSTRAP, "",
          "the file is empty; a bootstrap is a mapping with at least static_resources (see docs/configuration.md)");
    }
    if (!root.isObject()) {
      throw fail(ConfigCode.NOT_A_BOOTSTRAP, "", "the top level of a bootstrap must be a mapping of fields "
          + "(node, static_resources, admin...), but this file holds " + ProtoJsonReader.describe(root));
    }
    return (ObjectNode) root;
  }

  private static ConfigException fail(ConfigCode code, String path, String message) {
    return new ConfigException(Diagnostic.at(code.code(), path, message));
  }

  private static JsonNode readJson(String text) throws ConfigException {
    if (text.isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
      throw fail(ConfigCode.SYNTAX, "", "JSON syntax error" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw fail(ConfigCode.SYNTAX, "", "JSON syntax error: " + e.getMessage());
    }
  }

  private JsonNode readYaml(String text) throws ConfigException {
    List<Node> documents = new ArrayList<>();
    try {
      for (Node doc : newYaml().composeAll(new StringReader(text))) {
        documents.add(doc);
        if (documents.size() > 1) {
          throw fail(ConfigCode.NOT_A_BOOTSTRAP, "", "the file holds more than one YAML document (a second one "
              + "starts at line " + line(doc.getStartMark()) + "); a bootstrap is exactly one document");
        }
      }
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String where = mark == null ? "" : " at line " + line(mark) + ", column " + (mark.getColumn() + 1);
      String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
      String context = e.getContext() != null ? " (" + e.getContext().trim() + ")" : "";
      throw fail(ConfigCode.SYNTAX, "", "YAML syntax error" + where + ": " + oneLine(problem) + oneLine(context));
    } catch (YAMLException e) {
      throw fail(ConfigCode.SYNTAX, "", "YAML error: " + oneLine(e.getMessage()));
    } catch (RuntimeException e) {
      // SnakeYAML is third-party parsing code; whatever it throws on malformed input is a syntax error to the user.
      throw fail(ConfigCode.SYNTAX, "", "YAML error: " + oneLine(String.valueOf(e.getMessage())));
    } catch (StackOverflowError e) {
      throw fail(ConfigCode.SYNTAX, "", "YAML error: the document nests too deeply");
    }
    if (documents.isEmpty()) {
      return null;
    }
    JsonNode root = convert(documents.get(0), "", 0);
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    return root;
  }

  private static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
  }

  private static int line(Mark mark) {
    return mark.getLine() + 1;
  }

  private static Yaml newYaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(100);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit(16 * 1024 * 1024);
    options.setAllowRecursiveKeys(false);
    DumperOptions dumper = new DumperOptions();
    return new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options, new CoreSchemaResolver());
  }

  private void error(ConfigCode code, String path, String message) {
    if (errors.size() < ProtoJsonReader.MAX_ERRORS) {
      errors.add(Diagnostic.at(code.code(), path, message));
    }
  }

  private JsonNode convert(Node node, String path, int depth) {
    if (++nodes > MAX_NODES) {
      if (nodes == MAX_NODES + 1) {
        error(ConfigCode.YAML_FEATURE, path, "the document has more than " + MAX_NODES
            + " values once its aliases are expanded; an alias bomb?");
      }
      return NullNode.getInstance();
    }
    if (depth > MAX_DEPTH) {
      error(ConfigCode.YAML_FEATURE, path, "the document nests deeper than " + MAX_DEPTH + " levels");
      return NullNode.getInstance();
    }
    if (inProgress.containsKey(node)) {
      error(ConfigCode.YAML_FEATURE, path, "recursive YAML alias (a value that contains itself) at line "
          + line(node.getStartMark()));
      return NullNode.getInstance();
    }
    inProgress.put(node, Boolean.TRUE);
    try {
      return switch (node) {
        case MappingNode m -> convertMapping(m, path, depth);
        case SequenceNode s -> {
          ArrayNode array = JsonNodeFactory.instance.arrayNode();
          int i = 0;
          for (Node item : s.getValue()) {
            array.add(convert(item, path + "[" + i++ + "]", depth + 1));
          }
          yield array;
        }
        case ScalarNode s -> convertScalar(s, path);
        default -> {
          error(ConfigCode.YAML_FEATURE, path, "unexpected YAML node " + node.getNodeId());
          yield NullNode.getInstance();
        }
      };
    } finally {
      inProgress.remove(node);
    }
  }

  private ObjectNode convertMapping(MappingNode mapping, String path, int depth) {
    Map<String, JsonNode> explicit = new LinkedHashMap<>();
    List<JsonNode> merged = new ArrayList<>();
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode keyScalar)) {
        error(ConfigCode.YAML_FEATURE, path, "a mapping key must be a plain value, not a "
            + (keyNode instanceof MappingNode ? "mapping" : "list") + " (line " + line(keyNode.getStartMark()) + ")");
        continue;
      }
      if (Tag.MERGE.equals(keyNode.getTag())) {
        collectMerge(tuple.getValueNode(), path, depth, merged);
        continue;
      }
      String key = keyScalar.getValue();
      String childPath = ProtoJsonReader.child(path, key);
      if (explicit.containsKey(key)) {
        error(ConfigCode.DUPLICATE_KEY, childPath, "duplicate key '" + key + "' (line "
            + line(keyNode.getStartMark()) + "); each key may appear once in a mapping");
        continue;
      }
      explicit.put(key, convert(tuple.getValueNode(), childPath, depth + 1));
    }
    ObjectNode object = JsonNodeFactory.instance.objectNode();
    explicit.forEach(object::set);
    // Merge keys: keys written in this mapping win; among merged mappings, the first listed wins.
    for (JsonNode source : merged) {
      source.properties().forEach(e -> {
        if (!object.has(e.getKey())) {
          object.set(e.getKey(), e.getValue());
        }
      });
    }
    return object;
  }

  private void collectMerge(Node value, String path, int depth, List<JsonNode> out) {
    if (value instanceof MappingNode) {
      out.add(convert(value, path, depth + 1));
    } else if (value instanceof SequenceNode seq) {
      for (Node item : seq.getValue()) {
        if (item instanceof MappingNode) {
          out.add(convert(item, path, depth + 1));
        } else {
          error(ConfigCode.YAML_FEATURE, path, "a merge key ('<<') takes a mapping or a list of mappings (line "
              + line(item.getStartMark()) + ")");
        }
      }
    } else {
      error(ConfigCode.YAML_FEATURE, path, "a merge key ('<<') takes a mapping or a list of mappings (line "
          + line(value.getStartMark()) + ")");
    }
  }

  private JsonNode convertScalar(ScalarNode scalar, String path) {
    String text = scalar.getValue();
    Tag tag = scalar.getTag();
    if (Tag.STR.equals(tag)) {
      return TextNode.valueOf(text);
    }
    if (Tag.NULL.equals(tag)) {
      return NullNode.getInstance();
    }
    if (Tag.BOOL.equals(tag)) {
      String t = text.toLowerCase(Locale.ROOT);
      if (t.equals("true") || t.equals("false")) {
        return BooleanNode.valueOf(t.equals("true"));
      }
      error(ConfigCode.WRONG_TYPE, path, "'" + text + "' is not a boolean (write true or false)");
      return NullNode.getInstance();
    }
    if (Tag.INT.equals(tag) || Tag.FLOAT.equals(tag)) {
      JsonNode number = number(text, Tag.FLOAT.equals(tag));
      if (number == null) {
        error(ConfigCode.WRONG_TYPE, path, "'" + abbreviate(text) + "' is not a "
            + (Tag.INT.equals(tag) ? "valid integer" : "valid number"));
        return NullNode.getInstance();
      }
      return number;
    }
    if (Tag.BINARY.equals(tag)) {
      try {
        return BinaryNode.valueOf(Base64.getMimeDecoder().decode(text));
      } catch (IllegalArgumentException e) {
        error(ConfigCode.BAD_FORMAT, path, "!!binary value is not valid base64");
        return NullNode.getInstance();
      }
    }
    error(ConfigCode.YAML_FEATURE, path, "unsupported YAML tag '" + tag.getValue() + "' (line "
        + line(scalar.getStartMark()) + "); Trellis reads plain YAML values only");
    return NullNode.getInstance();
  }

  static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 57) + "...";
  }

  private static JsonNode number(String text, boolean isFloat) {
    String t = text.strip();
    if (t.isEmpty() || t.length() > MAX_NUMBER_LENGTH) {
      return null;
    }
    try {
      if (!isFloat) {
        boolean negative = t.startsWith("-");
        String digits = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        BigInteger value;
        if (digits.startsWith("0x")) {
          value = new BigInteger(digits.substring(2), 16);
        } else if (digits.startsWith("0o")) {
          value = new BigInteger(digits.substring(2), 8);
        } else {
          value = new BigInteger(digits);
        }
        value = negative ? value.negate() : value;
        return JsonNodeFactory.instance.numberNode(value);
      }
      String lower = t.toLowerCase(Locale.ROOT);
      if (lower.endsWith(".inf")) {
        return DoubleNode.valueOf(lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
      }
      if (lower.equals(".nan")) {
        return DoubleNode.valueOf(Double.NaN);
      }
      return DecimalNode.valueOf(new BigDecimal(t.startsWith("+") ? t.substring(1) : t));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Implicit scalar types of the YAML 1.2 core schema (the JSON-compatible one), plus merge keys. */
  private static final class CoreSchemaResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL, YAML_BOOL, "tTfF");
      addImplicitResolver(Tag.INT, YAML_INT, "-+0123456789");
      addImplicitResolver(Tag.FLOAT, YAML_FLOAT, "-+0123456789.");
      addImplicitResolver(Tag.MERGE, MERGE, "<");
      addImplicitResolver(Tag.NULL, YAML_NULL, "~nN\0");
      addImplicitResolver(Tag.NULL, EMPTY, null);
    }
  }
}
