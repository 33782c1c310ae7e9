package io.trellis.cli;

import io.trellis.cli.demo.Demo;
import io.trellis.common.ConfigException;
import java.net.BindException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Run a whole demo on this machine (sample services behind a Trellis proxy) and"
    + " print what to try. Ctrl-C stops everything.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "10000", description = "Proxy listener port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--admin-port", defaultValue = "9901", description = "Admin port (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Override
  public Integer call() throws Exception {
    Demo demo;
    try {
      demo = Demo.start(port, adminPort, Demo.newWorkDir());
    } catch (ConfigException e) {
      String msg = e.getMessage();
      System.err.println("trellis demo: could not start the proxy:\n" + msg);
      if (msg.contains("in use")) {
        System.err.println("Another process holds port " + port + " or " + adminPort
            + ". Stop it, or pick other ports: ./trellis demo --port 10080 --admin-port 9902");
      }
      return Main.EXIT_RUNTIME;
    } catch (BindException e) {
      System.err.println("trellis demo: " + e.getMessage());
      return Main.EXIT_RUNTIME;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("\ntrellis demo: stopping...");
      demo.close();
      stopped.countDown();
    }, "trellis-demo-stop"));
    System.out.println(demo.instructions());
    System.out.flush();
    stopped.await();
    return 0;
  }
}
