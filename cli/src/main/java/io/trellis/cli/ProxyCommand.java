package io.trellis.cli;

import io.trellis.common.ConfigException;
import io.trellis.proxy.server.ProxyOptions;
import io.trellis.proxy.server.ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "proxy", description = "Run a sidecar proxy from an Envoy v3 bootstrap file (YAML or JSON).")
final class ProxyCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "Envoy v3 bootstrap file.")
  Path config;

  @Option(names = "--service-node", paramLabel = "ID", description = "Overrides node.id.")
  String nodeId;

  @Option(names = "--service-cluster", paramLabel = "NAME", description = "Overrides node.cluster.")
  String nodeCluster;

  @Option(names = "--admin-port", paramLabel = "PORT", description = "Overrides the admin port (0 picks a free one).")
  Integer adminPort;

  @Option(names = "--concurrency", paramLabel = "N", description = "Worker event loops (default: one per core).")
  int concurrency;

  @Option(names = "--drain-time-s", paramLabel = "SECONDS", defaultValue = "5",
      description = "How long SIGTERM or /drain_listeners waits for in-flight requests (default: ${DEFAULT-VALUE}).")
  int drainSeconds;

  @Option(names = "--mode", paramLabel = "MODE", defaultValue = "serve",
      description = "serve (default) or validate: check the config and exit (0 valid, 2 invalid).")
  String mode;

  @Override
  public Integer call() throws Exception {
    if (!Files.isReadable(config)) {
      System.err.println("trellis: cannot read config file '" + config + "'");
      return Main.EXIT_USAGE;
    }
    ProxyOptions options = new ProxyOptions(config, nodeId, nodeCluster, adminPort, concurrency,
        Duration.ofSeconds(drainSeconds));
    if ("validate".equals(mode)) {
      try {
        io.trellis.proxy.config.BootstrapValidator.validate(
            io.trellis.proxy.config.BootstrapLoader.load(config), config.toString());
        System.out.println(config + ": OK");
        return 0;
      } catch (ConfigException e) {
        return printInvalid(e);
      }
    }
    ProxyServer server;
    try {
      server = ProxyServer.start(options);
    } catch (ConfigException e) {
      return printInvalid(e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> server.drainAndStop(options.drainTime()).join(),
        "trellis-shutdown"));
    server.awaitTermination();
    return 0;
  }

  /** Prints every diagnostic on its own line ({@code FILE: PATH: message [code]}), then a summary; returns 2. */
  private int printInvalid(ConfigException e) {
    e.diagnostics().forEach(System.err::println);
    int n = e.diagnostics().size();
    System.err.println("trellis: " + config + " is invalid: " + n + (n == 1 ? " error" : " errors")
        + " (the codes are explained in docs/configuration.md)");
    return Main.EXIT_USAGE;
  }
}
