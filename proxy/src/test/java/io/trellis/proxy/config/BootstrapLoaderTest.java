package io.trellis.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.trellis.common.ConfigException;
import org.junit.jupiter.api.Test;

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
        .hasMessageContaining("t.yaml")
        .hasMessageContaining("bogus");
  }
}
