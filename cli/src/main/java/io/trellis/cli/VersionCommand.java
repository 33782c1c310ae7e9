package io.trellis.cli;

import io.trellis.common.Version;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "version", description = "Print the Trellis version.")
final class VersionCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.println("trellis " + Version.version() + " (java " + Runtime.version() + ", envoy api v3)");
    return 0;
  }
}
