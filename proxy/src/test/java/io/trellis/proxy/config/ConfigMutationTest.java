package io.trellis.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.trellis.api.ApiTypes;
import io.trellis.common.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Structure-aware mutation testing of the config path, complementing {@link ConfigFuzzTest} (whose coverage guidance
 * does not work on Java 25 class files): the golden configs are mutated at the tree level (values replaced with values
 * of other kinds, keys dropped, renamed or added, lists duplicated, typed_config types swapped) and each mutant is
 * loaded and validated. The only acceptable failure is a {@link ConfigException} whose diagnostics all have a code and
 * a message. Deterministic (fixed seed), bounded, a few seconds.
 */
class ConfigMutationTest {
  private static final int MUTANTS_PER_CONFIG = 100;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  @Test
  void mutatedConfigsFailOnlyWithConfigException() throws Exception {
    Random random = new Random(20261124L);
    List<Path> files = GoldenConfigTest.configs("valid");
    int mutants = 0;
    int rejected = 0;
    List<String> unexpected = new ArrayList<>();
    for (Path file : files) {
      ObjectNode original = DocumentReader.read(Files.readString(file), file.getFileName().toString());
      for (int i = 0; i < MUTANTS_PER_CONFIG; i++) {
        ObjectNode mutant = original.deepCopy();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
          mutate(mutant, random);
        }
        boolean json = random.nextBoolean();
        String text = json ? JSON.writeValueAsString(mutant) : YAML.writeValueAsString(mutant);
        mutants++;
        try {
          BootstrapValidator.validate(BootstrapLoader.parse(text, json ? "m.json" : "m.yaml"), "m");
        } catch (ConfigException ce) {
          rejected++;
          assertThat(ce.diagnostics()).isNotEmpty().allSatisfy(d -> {
            assertThat(d.code()).matches("TRLS00\\d\\d");
            assertThat(d.message()).isNotBlank();
          });
        } catch (RuntimeException | StackOverflowError ex) {
          unexpected.add(ex + "\n" + text);
        }
      }
    }
    System.out.println("config-mutations: " + mutants + " mutated configs, " + rejected + " rejected with "
        + "diagnostics, " + unexpected.size() + " unexpected exceptions");
    assertThat(unexpected).isEmpty();
    assertThat(rejected).as("most mutants are invalid").isGreaterThan(mutants / 3);
  }

  /** Applies one random edit somewhere in the tree. */
  private static void mutate(ObjectNode root, Random random) {
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    if (target instanceof ObjectNode object) {
      List<String> keys = new ArrayList<>();
      object.fieldNames().forEachRemaining(keys::add);
      String key = keys.isEmpty() ? "name" : keys.get(random.nextInt(keys.size()));
      switch (random.nextInt(7)) {
        case 0 -> object.remove(key);
        case 1 -> object.set(key, randomValue(random));
        case 2 -> object.set(randomKey(random), randomValue(random));
        case 3 -> {
          JsonNode v = object.remove(key);
          if (v != null) {
            object.set(camelOrTypo(key, random), v);
          }
        }
        case 4 -> object.put("@type", ApiTypes.typeUrl(ApiTypes.SUPPORTED_EXTENSIONS.get(
            random.nextInt(ApiTypes.SUPPORTED_EXTENSIONS.size()))));
        case 5 -> {
          JsonNode v = object.get(key);
          if (v != null && v.isTextual()) {
            object.put(key, v.textValue().toLowerCase(java.util.Locale.ROOT) + (random.nextBoolean() ? "" : "X"));
          }
        }
        default -> {
          List<JsonNode> all = new ArrayList<>();
          collect(root, all);
          object.set(key, all.get(random.nextInt(all.size())).deepCopy());
        }
      }
    } else if (target instanceof ArrayNode array && !array.isEmpty()) {
      int index = random.nextInt(array.size());
      switch (random.nextInt(4)) {
        case 0 -> array.remove(index);
        case 1 -> array.add(array.get(index).deepCopy());
        case 2 -> array.set(index, randomValue(random));
        default -> array.insert(0, array.get(index).deepCopy());
      }
    }
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) {
      out.add(node);
      for (JsonNode child : node) {
        collect(child, out);
      }
    }
  }

  private static final List<String> KEYS = List.of("name", "cluster", "type", "typed_config", "route", "match",
      "prefix", "path", "safe_regex", "regex", "weight", "clusters", "address", "port_value", "connect_timeout",
      "filters", "http_filters", "domains", "bogus", "@type", "rds", "lb_policy", "tls_params", "value", "");

  private static String randomKey(Random random) {
    return KEYS.get(random.nextInt(KEYS.size()));
  }

  private static String camelOrTypo(String key, Random random) {
    if (random.nextBoolean() && key.contains("_")) {
      StringBuilder sb = new StringBuilder();
      boolean upper = false;
      for (char c : key.toCharArray()) {
        if (c == '_') {
          upper = true;
        } else {
          sb.append(upper ? Character.toUpperCase(c) : c);
          upper = false;
        }
      }
      return sb.toString();
    }
    return key.length() > 1 ? key.substring(1) : key + "x";
  }

  private static JsonNode randomValue(Random random) {
    return switch (random.nextInt(16)) {
      case 0 -> F.nullNode();
      case 1 -> F.booleanNode(random.nextBoolean());
      case 2 -> F.numberNode(random.nextInt());
      case 3 -> F.numberNode(-1);
      case 4 -> F.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
      case 5 -> F.numberNode(new java.math.BigDecimal("1e400"));
      case 6 -> F.numberNode(0.5);
      case 7 -> F.textNode("");
      case 8 -> F.textNode("1.5s");
      case 9 -> F.textNode("-3s");
      case 10 -> F.textNode("((((a{50}){50}){50})");
      case 11 -> F.textNode("x".repeat(random.nextInt(5000)));
      case 12 -> F.objectNode();
      case 13 -> F.arrayNode().add(F.objectNode());
      case 14 -> F.textNode("STATIC");
      default -> F.objectNode().setAll(Map.of("@type", F.textNode(ApiTypes.typeUrl(
          ApiTypes.SUPPORTED_EXTENSIONS.get(random.nextInt(ApiTypes.SUPPORTED_EXTENSIONS.size()))))));
    };
  }
}
