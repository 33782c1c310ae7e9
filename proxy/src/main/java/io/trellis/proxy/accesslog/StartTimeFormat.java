package io.trellis.proxy.accesslog;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The strftime subset Envoy's {@code %START_TIME(...)%} takes, always in UTC: {@code %Y %y %m %d %e %H %I %M %S %p
 * %j %a %A %b %B %h %z %Z %s %T %F %D %R %n %t %%}, plus Envoy's sub-second forms {@code %f} (9 digits),
 * {@code %1f..%9f}, and {@code %E1S..%E9S} (seconds with that many fraction digits). Parsed once; formatting caches
 * the last result, so a burst of requests in the same millisecond formats once.
 */
final class StartTimeFormat {
  /** Envoy's default: {@code 2024-05-01T12:34:56.789Z}. */
  static final String DEFAULT = "%Y-%m-%dT%H:%M:%E3SZ";

  private sealed interface Piece permits Literal, Field {}

  private record Literal(String text) implements Piece {}

  private record Field(char spec, int digits) implements Piece {}

  private record Cached(long millis, String text) {}

  private final List<Piece> pieces;
  // Racy but safe: an immutable record published by a plain write; a stale read only costs a re-format.
  private Cached cached = new Cached(Long.MIN_VALUE, "");

  private StartTimeFormat(List<Piece> pieces) {
    this.pieces = pieces;
  }

  /** Parses {@code format}; throws IllegalArgumentException naming an unsupported specifier. */
  static StartTimeFormat parse(String format) {
    List<Piece> out = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%') {
        lit.append(c);
        continue;
      }
      if (i + 1 >= format.length()) {
        throw new IllegalArgumentException("format ends with a lone '%'");
      }
      char n = format.charAt(++i);
      int digits = 0;
      if (n >= '1' && n <= '9' && i + 1 < format.length() && format.charAt(i + 1) == 'f') {
        digits = n - '0';
        n = 'f';
        i++;
      } else if (n == 'E' && i + 2 < format.length() && Character.isDigit(format.charAt(i + 1))
          && format.charAt(i + 2) == 'S') {
        digits = format.charAt(i + 1) - '0';
        n = 'S';
        i += 2;
      } else if (n == 'f') {
        digits = 9;
      }
      switch (n) {
        case '%' -> lit.append('%');
        case 'n' -> lit.append('\n');
        case 't' -> lit.append('\t');
        case 'Z' -> lit.append("UTC");
        case 'z' -> lit.append("+0000");
        case 'Y', 'y', 'm', 'd', 'e', 'H', 'I', 'M', 'S', 'p', 'j', 'a', 'A', 'b', 'B', 'h', 's', 'f', 'T', 'F', 'D',
             'R' -> {
          if (!lit.isEmpty()) {
            out.add(new Literal(lit.toString()));
            lit.setLength(0);
          }
          out.add(new Field(n, digits));
        }
        default -> throw new IllegalArgumentException("unsupported time specifier '%" + n
            + "' (supported: %Y %y %m %d %e %H %I %M %S %E<n>S %f %<n>f %s %p %j %a %A %b %B %h %z %Z %T %F %D %R"
            + " %n %t %%)");
      }
    }
    if (!lit.isEmpty()) {
      out.add(new Literal(lit.toString()));
    }
    return new StartTimeFormat(List.copyOf(out));
  }

  String format(long epochMillis) {
    Cached c = cached;
    if (c.millis() == epochMillis) {
      return c.text();
    }
    StringBuilder sb = new StringBuilder(32);
    long sec = Math.floorDiv(epochMillis, 1000);
    int nanos = Math.floorMod(epochMillis, 1000) * 1_000_000;
    LocalDateTime t = LocalDateTime.ofEpochSecond(sec, nanos, ZoneOffset.UTC);
    for (Piece p : pieces) {
      switch (p) {
        case Literal l -> sb.append(l.text());
        case Field f -> field(sb, f, t, sec, nanos);
      }
    }
    String s = sb.toString();
    cached = new Cached(epochMillis, s);
    return s;
  }

  private static void field(StringBuilder sb, Field f, LocalDateTime t, long sec, int nanos) {
    switch (f.spec()) {
      case 'Y' -> sb.append(t.getYear());
      case 'y' -> pad(sb, t.getYear() % 100, 2);
      case 'm' -> pad(sb, t.getMonthValue(), 2);
      case 'd' -> pad(sb, t.getDayOfMonth(), 2);
      case 'e' -> {
        if (t.getDayOfMonth() < 10) {
          sb.append(' ');
        }
        sb.append(t.getDayOfMonth());
      }
      case 'H' -> pad(sb, t.getHour(), 2);
      case 'I' -> pad(sb, t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2);
      case 'M' -> pad(sb, t.getMinute(), 2);
      case 'S' -> {
        pad(sb, t.getSecond(), 2);
        if (f.digits() > 0) {
          sb.append('.');
          fraction(sb, nanos, f.digits());
        }
      }
      case 'f' -> fraction(sb, nanos, f.digits());
      case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
      case 'j' -> pad(sb, t.getDayOfYear(), 3);
      case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ROOT));
      case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ROOT));
      case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ROOT));
      case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ROOT));
      case 's' -> sb.append(sec);
      case 'T' -> {
        pad(sb, t.getHour(), 2);
        sb.append(':');
        pad(sb, t.getMinute(), 2);
        sb.append(':');
        pad(sb, t.getSecond(), 2);
      }
      case 'R' -> {
        pad(sb, t.getHour(), 2);
        sb.append(':');
        pad(sb, t.getMinute(), 2);
      }
      case 'F' -> {
        sb.append(t.getYear()).append('-');
        pad(sb, t.getMonthValue(), 2);
        sb.append('-');
        pad(sb, t.getDayOfMonth(), 2);
      }
      case 'D' -> {
        pad(sb, t.getMonthValue(), 2);
        sb.append('/');
        pad(sb, t.getDayOfMonth(), 2);
        sb.append('/');
        pad(sb, t.getYear() % 100, 2);
      }
      default -> throw new IllegalStateException("unhandled specifier " + f.spec());
    }
  }

  private static void fraction(StringBuilder sb, int nanos, int digits) {
    String nine = Integer.toString(nanos + 1_000_000_000).substring(1);
    sb.append(nine, 0, digits);
  }

  private static void pad(StringBuilder sb, int v, int width) {
    String s = Integer.toString(v);
    for (int i = s.length(); i < width; i++) {
      sb.append('0');
    }
    sb.append(s);
  }
}
