package io.trellis.proxy.http;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.common.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Config errors name the field, the value and what is supported. */
class HcmConfigTest {
  static final String PATH = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

  private static void start(String hcmExtra, String routes, Map<String, Integer> clusters) throws Exception {
    try (TestProxy p = TestProxy.start(Configs.bootstrap(hcmExtra, routes, clusters))) {
      p.port();
    }
  }

  @Test
  void unsupportedFieldIsAnErrorWithItsPath() {
    assertThatThrownBy(() -> start("normalize_path: true", Configs.ROUTES, Configs.clusters(1, 2)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PATH + ".normalize_path")
        .hasMessageContaining("not supported");
  }

  @Test
  void unknownHttpFilterIsNamed() {
    String base = Configs.bootstrap("", Configs.ROUTES, Configs.clusters(1, 2));
    String indent = base.lines().filter(l -> l.trim().startsWith("- name: envoy.filters.http.router")).findFirst()
        .orElseThrow().replaceAll("-.*", "");
    String yaml = base.replace("http_filters:\n", "http_filters:\n" + indent + "- name: acme.filters.http.magic\n"
        + indent + "  typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector}\n");
    assertThatThrownBy(() -> TestProxy.start(yaml).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PATH + ".http_filters[0]")
        .hasMessageContaining("acme.filters.http.magic")
        .hasMessageContaining("envoy.filters.http.router");
  }

  @Test
  void unknownClusterIsAnErrorUnlessValidationIsOff() {
    String yaml = Configs.bootstrap("", Configs.ROUTES, Configs.clusters(1, 2))
        .replaceAll("\\n\\s*validate_clusters: false", "");
    assertThatThrownBy(() -> TestProxy.start(yaml).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nope")
        .hasMessageContaining("validate_clusters");
  }

  @Test
  void unsupportedCodecAndUpgradeAreErrors() {
    assertThatThrownBy(() -> start("codec_type: HTTP3\nupgrade_configs: [{upgrade_type: CONNECT}]",
        Configs.ROUTES, Configs.clusters(1, 2)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(PATH + ".codec_type")
        .hasMessageContaining(PATH + ".upgrade_configs[0].upgrade_type");
  }
}
