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

  /** The loggers /logging lists: the root ("root") and every io.trellis / io.netty logger JUL knows. */
  static Map<String, Logger> loggers() {
    Map<String, Logger> out = new java.util.TreeMap<>();
    out.put("root", Logger.getLogger(""));
    Set<String> names = new TreeSet<>(Collections.list(LogManager.getLogManager().getLoggerNames()));
    names.add("io.trellis");
    names.add("io.netty");
    for (String n : names) {
      if (n.startsWith("io.trellis") || n.startsWith("io.netty")) {
        Logger l = Logger.getLogger(n);
        out.put(n, l);
      }
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
