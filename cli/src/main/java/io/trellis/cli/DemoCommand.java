package io.trellis.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "demo", description = "Run a whole demo on this machine and print what to try.")
final class DemoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("trellis demo: not built yet");
    return Main.EXIT_RUNTIME;
  }
}
