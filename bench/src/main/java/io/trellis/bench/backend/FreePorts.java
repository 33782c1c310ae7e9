package io.trellis.bench.backend;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints N distinct loopback ports that were free a moment ago, one per line, for the configs of haproxy and nginx
 * (which cannot report a port they picked themselves). Usage: {@code FreePorts N}.
 */
public final class FreePorts {
  private FreePorts() {}

  public static void main(String[] args) throws IOException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    if (n < 1 || n > 100) {
      throw new IllegalArgumentException("1..100 ports");
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        System.out.println(s.getLocalPort());
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
  }
}
