package io.trellis.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.pkitesting.CertificateBuilder;
import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.config.BootstrapValidator;
import io.trellis.proxy.server.Transport;
import io.trellis.proxy.stats.StatsStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every YAML example of docs/upstream.md loads, validates and builds its clusters. */
class UpstreamDocsExampleTest {
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = Transport.newGroup(1, "docs-test");
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static Path docs() {
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
      Path p = dir.resolve("docs/upstream.md");
      if (Files.exists(p)) {
        return p;
      }
    }
    throw new IllegalStateException("docs/upstream.md not found above " + Path.of("").toAbsolutePath());
  }

  @Test
  void yamlExamplesAreValidClusters() throws Exception {
    String md = Files.readString(docs());
    Matcher m = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(md);
    String caPem = new CertificateBuilder().subject("CN=Docs CA").setIsCertificateAuthority(true).ecp256()
        .buildSelfSigned().getCertificatePEM();
    String pemJson = caPem.replace("\r", "").replace("\n", "\\n");
    List<String> built = new ArrayList<>();
    while (m.find()) {
      String yaml = m.group(1).replace("-----BEGIN CERTIFICATE-----\\n...\\n-----END CERTIFICATE-----\\n", pemJson);
      Bootstrap b = BootstrapLoader.parse(yaml, "docs/upstream.md");
      BootstrapValidator.validate(b, "docs/upstream.md");
      long t0 = System.nanoTime();
      try (var cm = DefaultClusterManager.create(b.getStaticResources().getClustersList(), new StatsStore(), group,
          Executors.newVirtualThreadPerTaskExecutor())) {
        for (Cluster c : cm.clusters()) {
          assertThat(c.hosts()).as(c.name()).isNotEmpty();
          built.add(c.name() + "=" + c.hosts().size());
          System.out.println(c.name() + " built in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        }
      }
    }
    System.out.println("docs/upstream.md examples: " + built);
    assertThat(built).hasSize(3);
    assertThat(built).contains("backend=3"); // two localhost endpoints (IPv4 only) and one priority-1 host
  }
}
