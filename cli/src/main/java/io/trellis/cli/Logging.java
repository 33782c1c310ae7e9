package io.trellis.cli;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per log record on stderr: time, level, logger, message. Level from TRELLIS_LOG_LEVEL (default INFO). */
final class Logging {
  private Logging() {}

  static void configure() {
    Logger root = Logger.getLogger("");
    for (var h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler handler = new ConsoleHandler();
    handler.setLevel(Level.ALL);
    handler.setFormatter(new Formatter() {
      @Override
      public String format(LogRecord r) {
        String name = r.getLoggerName() == null ? "" : r.getLoggerName();
        name = name.substring(name.lastIndexOf('.') + 1);
        String msg = formatMessage(r);
        StringBuilder sb = new StringBuilder(64 + msg.length()).append('[').append(Instant.ofEpochMilli(r.getMillis()))
            .append("][").append(r.getLevel().getName().toLowerCase()).append("][").append(name).append("] ")
            .append(msg).append('\n');
        if (r.getThrown() != null) {
          sb.append(r.getThrown()).append('\n');
        }
        return sb.toString();
      }
    });
    root.addHandler(handler);
    String level = System.getenv().getOrDefault("TRELLIS_LOG_LEVEL", "INFO");
    try {
      root.setLevel(Level.parse(level.toUpperCase()));
    } catch (IllegalArgumentException e) {
      root.setLevel(Level.INFO);
    }
    Logger.getLogger("io.netty").setLevel(Level.WARNING);
  }
}
