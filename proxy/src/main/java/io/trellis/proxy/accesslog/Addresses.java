package io.trellis.proxy.accesslog;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Socket addresses as Envoy prints them: {@code 10.0.0.1:8080}, {@code [::1]:8080}. */
public final class Addresses {
  private Addresses() {}

  /** ip:port, or null for a null address. */
  public static String withPort(SocketAddress a) {
    if (a == null) {
      return null;
    }
    if (a instanceof InetSocketAddress i) {
      return ip(i) + ":" + i.getPort();
    }
    return a.toString();
  }

  /** The ip alone (IPv6 without brackets, as Envoy's *_WITHOUT_PORT operators), or null. */
  public static String withoutPort(SocketAddress a) {
    if (a == null) {
      return null;
    }
    if (a instanceof InetSocketAddress i) {
      InetAddress addr = i.getAddress();
      return addr != null ? addr.getHostAddress() : i.getHostString();
    }
    return a.toString();
  }

  /** The port, or -1 when the address has none. */
  public static int port(SocketAddress a) {
    return a instanceof InetSocketAddress i ? i.getPort() : -1;
  }

  private static String ip(InetSocketAddress i) {
    InetAddress addr = i.getAddress();
    String ip = addr != null ? addr.getHostAddress() : i.getHostString();
    int pct = ip.indexOf('%');
    if (pct >= 0 && addr != null) {
      ip = ip.substring(0, pct);
    }
    return ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
  }
}
