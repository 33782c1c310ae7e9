package io.trellis.proxy.admin;

import io.trellis.proxy.server.ProxyOptions;
import io.trellis.proxy.server.ProxyServer;
import java.nio.file.Path;
import java.time.Duration;

/** A proxy process for {@link AdminProcessTest}: starts from a bootstrap file and returns once it has stopped. */
public final class AdminProcessMain {
  private AdminProcessMain() {}

  public static void main(String[] args) throws Exception {
    ProxyServer server = ProxyServer.start(new ProxyOptions(Path.of(args[0]), null, null, 0, 1,
        Duration.ofMillis(200)));
    System.out.println("ADMIN-PORT " + server.adminAddress().getPort());
    server.awaitTermination();
    System.out.println("STOPPED");
  }
}
