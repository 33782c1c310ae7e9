package io.trellis.proxy.config;

import static io.trellis.proxy.config.ConfigAssertions.parseErrors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.trellis.common.ConfigException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapLoaderTest {
  @Test
  void readsYamlBootstrap() throws Exception {
    Bootstrap b = BootstrapLoader.parse("""
        node: {id: a, cluster: c}
        static_resources:
          clusters:
          - name: backend
            connect_timeout: 1s
            type: STATIC
        """, "t.yaml");
    assertThat(b.getNode().getId()).isEqualTo("a");
    assertThat(b.getStaticResources().getClusters(0).getConnectTimeout().getSeconds()).isEqualTo(1);
  }

  @Test
  void rejectsUnknownField() {
    assertThatThrownBy(() -> BootstrapLoader.parse("static_resources: {bogus: 1}", "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("t.yaml: static_resources.bogus: unknown field 'bogus' in "
            + "envoy.config.bootstrap.v3.Bootstrap.StaticResources (fields: listeners, clusters, secrets) [TRLS0010]");
  }

  @Test
  void anchorsAndAliasesAreResolved() throws Exception {
    Bootstrap b = BootstrapLoader.parse("""
        static_resources:
          clusters:
          - &base {name: a, connect_timeout: 2s, type: STRICT_DNS}
          - name: b
            connect_timeout: *timeout
        x: &timeout 3s
        """.replace("x: &timeout 3s\n", "").replace("*timeout", "&timeout 3s"), "t.yaml");
    assertThat(b.getStaticResources().getClusters(1).getConnectTimeout().getSeconds()).isEqualTo(3);
    Bootstrap aliased = BootstrapLoader.parse("""
        node: {id: &id proxy-1, cluster: *id}
        """, "t.yaml");
    assertThat(aliased.getNode().getCluster()).isEqualTo("proxy-1");
  }

  @Test
  void mergeKeysApplyWithLocalKeysWinning() throws Exception {
    Bootstrap b = BootstrapLoader.parse("""
        static_resources:
          clusters:
          - &defaults
            name: a
            connect_timeout: 2s
            type: STRICT_DNS
          - <<: *defaults
            name: b
          - <<: [{name: ignored, connect_timeout: 7s}, *defaults]
            name: c
        """, "t.yaml");
    var clusters = b.getStaticResources().getClustersList();
    assertThat(clusters.get(1).getName()).isEqualTo("b");
    assertThat(clusters.get(1).getConnectTimeout().getSeconds()).isEqualTo(2);
    assertThat(clusters.get(1).getType().name()).isEqualTo("STRICT_DNS");
    assertThat(clusters.get(2).getName()).isEqualTo("c");
    assertThat(clusters.get(2).getConnectTimeout().getSeconds()).isEqualTo(7);
  }

  @Test
  void readsJsonFiles() throws Exception {
    Bootstrap b = BootstrapLoader.parse("""
        {"node": {"id": "a"}, "staticResources": {"clusters": [{"name": "c", "connectTimeout": "0.5s"}]}}
        """, "envoy.json");
    assertThat(b.getStaticResources().getClusters(0).getConnectTimeout().getNanos()).isEqualTo(500_000_000);
  }

  @Test
  void jsonSyntaxErrorsNameLineAndColumn() {
    assertThat(parseErrors("{\"node\": {\"id\": \"a\",}}", "envoy.json")).singleElement().asString()
        .startsWith("envoy.json: JSON syntax error at line 1, column 21: ").endsWith("[TRLS0002]");
    assertThat(parseErrors("{\"node\": {}, \"node\": {}}", "envoy.json")).singleElement().asString()
        .contains("Duplicate field 'node'");
    assertThat(parseErrors("{} {}", "envoy.json")).singleElement().asString().contains("JSON syntax error");
  }

  @Test
  void yamlSyntaxErrorsNameLineAndColumn() {
    assertThat(parseErrors("node:\n  id: a\n id: b\n")).singleElement().asString()
        .startsWith("t.yaml: YAML syntax error at line 3, column 2: ").endsWith("[TRLS0002]");
  }

  @Test
  void rejectsEmptyFilesAndNonMappings() {
    String empty = "t.yaml: the file is empty; a bootstrap is a mapping with at least static_resources (see "
        + "docs/configuration.md) [TRLS0003]";
    assertThat(parseErrors("")).containsExactly(empty);
    assertThat(parseErrors("# just a comment\n")).containsExactly(empty);
    assertThat(parseErrors("---\n")).containsExactly(empty);
    assertThat(parseErrors("", "e.json")).singleElement().asString().contains("the file is empty");
    assertThat(parseErrors("- a\n- b\n")).containsExactly("t.yaml: the top level of a bootstrap must be a mapping "
        + "of fields (node, static_resources, admin...), but this file holds a list [TRLS0003]");
    assertThat(parseErrors("hello")).singleElement().asString().contains("but this file holds string 'hello'");
    assertThat(parseErrors("[1]", "e.json")).singleElement().asString().contains("but this file holds a list");
  }

  @Test
  void rejectsSeveralDocuments() {
    assertThat(parseErrors("node: {id: a}\n---\nnode: {id: b}\n")).containsExactly("t.yaml: the file holds more "
        + "than one YAML document (a second one starts at line 3); a bootstrap is exactly one document [TRLS0003]");
  }

  @Test
  void rejectsDuplicateKeys() {
    assertThat(parseErrors("node:\n  id: a\n  id: b\n")).containsExactly(
        "t.yaml: node.id: duplicate key 'id' (line 3); each key may appear once in a mapping [TRLS0004]");
  }

  @Test
  void rejectsCustomTagsAndComplexKeys() {
    assertThat(parseErrors("node: {id: !env HOSTNAME}")).containsExactly("t.yaml: node.id: unsupported YAML tag "
        + "'!env' (line 1); Trellis reads plain YAML values only [TRLS0005]");
    assertThat(parseErrors("node: {? [a]: b}")).singleElement().asString()
        .contains("node: a mapping key must be a plain value, not a list");
  }

  @Test
  void yaml12ScalarsYesIsAStringAndQuotedNumbersAreStrings() throws Exception {
    assertThat(BootstrapLoader.parse("node: {id: yes, cluster: '8080'}", "t.yaml").getNode().getId())
        .isEqualTo("yes");
    assertThat(BootstrapLoader.parse("node: {id: !!str 8080}", "t.yaml").getNode().getId()).isEqualTo("8080");
  }

  @Test
  void rejectsRecursiveAliases() {
    assertThat(parseErrors("node: &n {id: a, metadata: {self: *n}}")).singleElement().asString()
        .contains("recursive YAML alias");
  }

  @Test
  void rejectsAliasBombsQuickly() {
    StringBuilder sb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 9; i++) {
      sb.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        sb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      sb.append("]\n");
    }
    long start = System.nanoTime();
    assertThat(parseErrors(sb.toString())).anySatisfy(s -> assertThat(s).containsAnyOf(
        "values once its aliases are expanded", "Number of aliases for non-scalar nodes exceeds"));
    assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
  }

  @Test
  void loadNamesTheFileAndReadsUtf8WithBom(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("envoy.yaml");
    Files.write(file, "\uFEFFnode: {id: a}\n".getBytes(StandardCharsets.UTF_8));
    assertThat(BootstrapLoader.load(file).getNode().getId()).isEqualTo("a");
    Files.writeString(file, "node: {id: 1}\n");
    assertThatThrownBy(() -> BootstrapLoader.load(file)).isInstanceOf(ConfigException.class)
        .hasMessage(file + ": node.id: expected a string, got number 1 (quote it: '1') [TRLS0011]");
    assertThatThrownBy(() -> BootstrapLoader.load(dir.resolve("missing.yaml"))).isInstanceOf(ConfigException.class)
        .hasMessage(dir.resolve("missing.yaml") + ": cannot read the file: it does not exist [TRLS0001]");
    Files.write(file, new byte[] {'n', ':', ' ', (byte) 0xC3, (byte) 0x28});
    assertThatThrownBy(() -> BootstrapLoader.load(file)).hasMessageContaining("it is not UTF-8 text [TRLS0001]");
  }
}
