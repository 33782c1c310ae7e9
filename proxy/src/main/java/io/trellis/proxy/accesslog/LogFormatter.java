package io.trellis.proxy.accesslog;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.trellis.proxy.stream.StreamInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed access log format: Envoy's text format (literal text and {@code %OPERATOR(arg):max%} commands) or JSON
 * format (a struct whose string values are such templates). Parsed once when config is applied; {@link #format} runs
 * on the event loop and appends to the caller's reusable builder.
 */
public abstract class LogFormatter {
  /** Envoy's default access log format. */
  public static final String DEFAULT_FORMAT = "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% "
      + "%PROTOCOL%\" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
      + "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
      + "\"%REQ(X-REQUEST-ID)%\" "
      + "\"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n";

  private static final Pattern COMMAND = Pattern.compile("%([A-Z][A-Z0-9_]*)(?:\\(([^)]*)\\))?(?::(\\d+))?%");

  public abstract void format(StreamInfo info, StringBuilder out);

  /** A text format. Throws IllegalArgumentException naming the bad operator or position. */
  public static LogFormatter text(String format) {
    return text(format, false);
  }

  /** A text format; with {@code omitEmpty} a missing value prints as nothing instead of "-". */
  public static LogFormatter text(String format, boolean omitEmpty) {
    List<Object> parts = parseTemplate(format);
    return new LogFormatter() {
      @Override
      public void format(StreamInfo info, StringBuilder out) {
        for (Object p : parts) {
          if (p instanceof String s) {
            out.append(s);
          } else if (!omitEmpty || !((Operator) p).missing(info)) {
            ((Operator) p).appendText(info, out);
          }
        }
      }
    };
  }

  /**
   * A JSON format: one JSON object per line. A string value that is exactly one operator is emitted typed (a number
   * for %RESPONSE_CODE%, %BYTES_SENT%, %DURATION%..., null when missing); a string mixing text and operators is a
   * string. Nested structs and lists are allowed; numbers, booleans and null are copied.
   *
   * @param omitEmpty drop keys whose value is null or empty (Envoy's omit_empty_values)
   * @param sortKeys sort keys (Envoy's json_format_options.sort_properties)
   */
  public static LogFormatter json(Struct format, boolean omitEmpty, boolean sortKeys) {
    Node root = node(Value.newBuilder().setStructValue(format).build(), sortKeys, "");
    return new LogFormatter() {
      @Override
      public void format(StreamInfo info, StringBuilder out) {
        root.append(info, out, omitEmpty);
        out.append('\n');
      }
    };
  }

  /** Literal strings and {@link Operator}s, in order. */
  static List<Object> parseTemplate(String format) {
    List<Object> parts = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    Matcher m = COMMAND.matcher(format);
    int i = 0;
    while (i < format.length()) {
      char c = format.charAt(i);
      if (c != '%') {
        lit.append(c);
        i++;
        continue;
      }
      m.region(i, format.length());
      if (!m.lookingAt()) {
        throw new IllegalArgumentException("no valid operator at position " + i + " ('"
            + format.substring(i, Math.min(format.length(), i + 24)) + "'); operators look like %NAME%, "
            + "%NAME(arg)% or %NAME(arg):max%");
      }
      Operator op;
      try {
        op = Operators.create(m.group(1), m.group(2));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + " at position " + i, e);
      }
      if (m.group(3) != null) {
        int max;
        try {
          max = Integer.parseInt(m.group(3));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("bad max length ':" + m.group(3) + "' at position " + i, e);
        }
        op = new Operator.Truncated(op, max);
      }
      if (!lit.isEmpty()) {
        parts.add(lit.toString());
        lit.setLength(0);
      }
      parts.add(op);
      i = m.end();
    }
    if (!lit.isEmpty()) {
      parts.add(lit.toString());
    }
    return List.copyOf(parts);
  }

  private interface Node {
    void append(StreamInfo info, StringBuilder out, boolean omitEmpty);

    /** For omit_empty_values: would this node print null or an empty string? */
    default boolean empty(StreamInfo info) {
      return false;
    }
  }

  private static Node node(Value v, boolean sortKeys, String path) {
    return switch (v.getKindCase()) {
      case NULL_VALUE -> (info, out, omit) -> out.append("null");
      case BOOL_VALUE -> {
        String s = Boolean.toString(v.getBoolValue());
        yield (info, out, omit) -> out.append(s);
      }
      case NUMBER_VALUE -> {
        double d = v.getNumberValue();
        String s = d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
        yield (info, out, omit) -> out.append(s);
      }
      case STRING_VALUE -> template(v.getStringValue(), path);
      case STRUCT_VALUE -> struct(v.getStructValue(), sortKeys, path);
      case LIST_VALUE -> list(v.getListValue(), sortKeys, path);
      case KIND_NOT_SET -> throw new IllegalArgumentException(path + ": value has no kind");
    };
  }

  private static Node template(String s, String path) {
    List<Object> parts;
    try {
      parts = parseTemplate(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException((path.isEmpty() ? "" : "key '" + path + "': ") + e.getMessage(), e);
    }
    if (parts.size() == 1 && parts.get(0) instanceof Operator op) {
      return new Node() {
        @Override
        public void append(StreamInfo info, StringBuilder out, boolean omitEmpty) {
          op.appendJson(info, out);
        }

        @Override
        public boolean empty(StreamInfo info) {
          return op.missing(info);
        }
      };
    }
    return new Node() {
      @Override
      public void append(StreamInfo info, StringBuilder out, boolean omitEmpty) {
        StringBuilder tmp = new StringBuilder(32);
        for (Object p : parts) {
          if (p instanceof String lit) {
            tmp.append(lit);
          } else {
            ((Operator) p).appendText(info, tmp);
          }
        }
        Json.quote(tmp.toString(), out);
      }

      @Override
      public boolean empty(StreamInfo info) {
        return parts.isEmpty();
      }
    };
  }

  private static Node struct(Struct s, boolean sortKeys, String path) {
    Map<String, Node> fields = sortKeys ? new TreeMap<>() : new LinkedHashMap<>();
    for (Map.Entry<String, Value> e : s.getFieldsMap().entrySet()) {
      fields.put(e.getKey(), node(e.getValue(), sortKeys, path.isEmpty() ? e.getKey() : path + "." + e.getKey()));
    }
    List<Map.Entry<String, Node>> entries = List.copyOf(fields.entrySet());
    List<String> quotedKeys = new ArrayList<>();
    for (Map.Entry<String, Node> e : entries) {
      StringBuilder k = new StringBuilder();
      Json.quote(e.getKey(), k);
      quotedKeys.add(k.append(':').toString());
    }
    return (info, out, omitEmpty) -> {
      out.append('{');
      boolean first = true;
      for (int i = 0; i < entries.size(); i++) {
        Node n = entries.get(i).getValue();
        if (omitEmpty && n.empty(info)) {
          continue;
        }
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(quotedKeys.get(i));
        n.append(info, out, omitEmpty);
      }
      out.append('}');
    };
  }

  private static Node list(ListValue l, boolean sortKeys, String path) {
    List<Node> items = new ArrayList<>();
    for (int i = 0; i < l.getValuesCount(); i++) {
      items.add(node(l.getValues(i), sortKeys, path + "[" + i + "]"));
    }
    return (info, out, omitEmpty) -> {
      out.append('[');
      for (int i = 0; i < items.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        items.get(i).append(info, out, omitEmpty);
      }
      out.append(']');
    };
  }
}
