package io.trellis.proxy.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How {@code trellis proxy} was started. Flags override the bootstrap file where Envoy's flags do
 * ({@code --service-node}, {@code --service-cluster}, admin port).
 *
 * @param configPath the bootstrap file (YAML or JSON)
 * @param nodeId overrides node.id when non-null
 * @param nodeCluster overrides node.cluster when non-null
 * @param adminPort overrides the admin port when non-null (0 picks a free port)
 * @param concurrency worker event loops (0 = one per core)
 * @param drainTime how long draining waits for in-flight requests before closing
 */
public record ProxyOptions(Path configPath, String nodeId, String nodeCluster, Integer adminPort, int concurrency,
    Duration drainTime) {

  public static ProxyOptions of(Path configPath) {
    return new ProxyOptions(configPath, null, null, null, 0, Duration.ofSeconds(5));
  }
}
