package io.trellis.cli;

import io.trellis.common.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code trellis} command. Exit codes: 0 success, 1 runtime failure, 2 bad usage or invalid configuration. */
@Command(name = "trellis", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
    description = "Trellis: a service mesh with an Envoy-compatible sidecar proxy.",
    subcommands = {ProxyCommand.class, DemoCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  public static final int EXIT_RUNTIME = 1;
  public static final int EXIT_USAGE = 2;

  public static void main(String[] args) {
    Logging.configure();
    System.exit(newCommandLine().execute(args));
  }

  public static CommandLine newCommandLine() {
    return new CommandLine(new Main())
        .setExitCodeExceptionMapper(e -> EXIT_RUNTIME)
        .setParameterExceptionHandler((ex, args) -> {
          ex.getCommandLine().getErr().println("trellis: " + ex.getMessage());
          ex.getCommandLine().getErr().println("Run 'trellis --help' for usage.");
          return EXIT_USAGE;
        });
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"trellis " + Version.version(), "java " + Runtime.version()};
    }
  }
}
