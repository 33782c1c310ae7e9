package io.trellis.proxy.admin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Envoy's {@code /logging} over java.util.logging: lists the levels of Trellis' and Netty's loggers, and changes them
 * with Envoy's level names (trace, debug, info, warning, error, critical, off).
 */
final class AdminLogging {
  /** Loggers whose level the admin set: JUL holds loggers weakly, so a level set on a dropped logger is lost. */
  private static final Set<Logger> PINNED = Collections.newSetFromMap(new ConcurrentHashMap<>());

  static final List<String> LEVELS = List.of("trace", "debug", "info", "warning", "error", "critical", "off");

  private AdminLogging() {}

  /** Envoy's level name to JUL, or null when the name is not one of {@link #LEVELS} (or "warn"). */
  static Level toJul(String envoyLevel) {
    return switch (envoyLevel.toLowerCase(Locale.ROOT)) {
      case "trace" -> Level.FINEST;
      case "debug" -> Level.FINE;
      case "info" -> Level.INFO;
      case "warning", "warn" -> Level.WARNING;
      case "error", "critical" -> Level.SEVERE;
      case "off" -> Level.OFF;
      default -> null;
    };
  }

  static String toEnvoy(Level level) {
    int v = level.intValue();
    if (v == Level.OFF.intValue()) {
      return "off";
    }
    if (v >= Level.SEVERE.intValue()) {
      return "error";
    }
    if (v >= Level.WARNING.intValue()) {
      return "warning";
    }
    if (v >= Level.INFO.intValue()) {
      return "info";
    }
    if (v >= Level.CONFIG.intValue()) {
      return "debug";
    }
    if (v >= Level.FINE.intValue()) {
      return "debug";
    }
    return "trace";
  }

  static Level effective(Logger l) {
    for (Logger x = l; x != null; x = x.getParent()) {
      if (x.getLevel() != null) {
        return x.getLevel();
      }
    }
    return Level.INFO;
  }

  /**
   * The loggers /logging lists, like Envoy's fixed component list: the root ("root"), {@code io.netty},
   * {@code io.trellis}, each Trellis package logger ({@code io.trellis.proxy.admin}, {@code io.trellis.proxy.http}...)
   * and any logger whose level the admin set.
   */
  static Map<String, Logger> loggers() {
    Map<String, Logger> out = new java.util.TreeMap<>();
    out.put("root", Logger.getLogger(""));
    Set<String> names = new TreeSet<>(List.of("io.netty", "io.trellis"));
    for (String n : Collections.list(LogManager.getLogManager().getLoggerNames())) {
      if (n.startsWith("io.trellis.")) {
        String[] parts = n.split("\\.");
        names.add(String.join(".", java.util.Arrays.copyOf(parts, Math.min(parts.length, 4))));
      }
    }
    for (Logger l : PINNED) {
      if (!l.getName().isEmpty()) {
        names.add(l.getName());
      }
    }
    for (String n : names) {
      out.put(n, Logger.getLogger(n));
    }
    return out;
  }

  static String list() {
    StringBuilder sb = new StringBuilder("active loggers:\n");
    for (Map.Entry<String, Logger> e : loggers().entrySet()) {
      sb.append("  ").append(e.getKey()).append(": ").append(toEnvoy(effective(e.getValue()))).append('\n');
    }
    return sb.toString();
  }

  /** Sets every listed logger (Envoy's {@code ?level=}). */
  static void setAll(Level level) {
    List<Logger> all = new ArrayList<>(loggers().values());
    for (Logger l : all) {
      set(l, level);
    }
  }

  static void set(Logger l, Level level) {
    PINNED.add(l);
    l.setLevel(level);
  }
}
