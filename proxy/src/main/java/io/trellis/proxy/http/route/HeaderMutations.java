package io.trellis.proxy.http.route;

import com.google.protobuf.ProtocolStringList;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code *_headers_to_add} and {@code *_headers_to_remove} of one level (weighted cluster, route, virtual host or
 * route configuration), applied as Envoy's {@code HeaderParser::evaluateHeaders}: removals first; then each addition
 * is decided against the headers as they are after the removals ({@code ADD_IF_ABSENT}, {@code OVERWRITE_IF_EXISTS});
 * then all overwrites are applied, then all appends.
 */
final class HeaderMutations {
  static final HeaderMutations EMPTY = new HeaderMutations(new AsciiString[0], new Add[0]);

  private record Add(AsciiString name, String value, HeaderAppendAction action) {}

  private final AsciiString[] removes;
  private final Add[] adds;

  private HeaderMutations(AsciiString[] removes, Add[] adds) {
    this.removes = removes;
    this.adds = adds;
  }

  boolean isEmpty() {
    return removes.length == 0 && adds.length == 0;
  }

  void apply(HttpHeaders headers) {
    for (AsciiString name : removes) {
      headers.remove(name);
    }
    if (adds.length == 0) {
      return;
    }
    // Decide every addition before applying any (Envoy collects overwrites and appends, then applies them).
    long active = 0;
    boolean[] activeMany = adds.length > 64 ? new boolean[adds.length] : null;
    for (int i = 0; i < adds.length; i++) {
      Add a = adds[i];
      boolean on = switch (a.action) {
        case ADD_IF_ABSENT -> !headers.contains(a.name);
        case OVERWRITE_IF_EXISTS -> headers.contains(a.name);
        default -> true;
      };
      if (on) {
        if (activeMany != null) {
          activeMany[i] = true;
        } else {
          active |= 1L << i;
        }
      }
    }
    for (int i = 0; i < adds.length; i++) {
      Add a = adds[i];
      if (isOn(active, activeMany, i)
          && (a.action == HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD
              || a.action == HeaderAppendAction.OVERWRITE_IF_EXISTS)) {
        headers.set(a.name, a.value);
      }
    }
    for (int i = 0; i < adds.length; i++) {
      Add a = adds[i];
      if (isOn(active, activeMany, i)
          && (a.action == HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
              || a.action == HeaderAppendAction.ADD_IF_ABSENT)) {
        headers.add(a.name, a.value);
      }
    }
  }

  private static boolean isOn(long active, boolean[] activeMany, int i) {
    return activeMany != null ? activeMany[i] : (active & (1L << i)) != 0;
  }

  /**
   * Compiles one level.
   *
   * @param path the path of the message holding the fields
   * @param prefix "request" or "response"
   */
  @SuppressWarnings("deprecation") // deprecated fields are still Envoy v3 config and supported
  static HeaderMutations compile(List<HeaderValueOption> toAdd, ProtocolStringList toRemove, String path,
      String prefix, Problems problems) {
    if (toAdd.isEmpty() && toRemove.isEmpty()) {
      return EMPTY;
    }
    List<AsciiString> removes = new ArrayList<>();
    for (int i = 0; i < toRemove.size(); i++) {
      String p = Problems.join(path, prefix + "_headers_to_remove[" + i + "]");
      String name = toRemove.get(i);
      if (validName(name, p, problems, "removed")) {
        removes.add(AsciiString.cached(name.toLowerCase(Locale.ROOT)));
      }
    }
    List<Add> adds = new ArrayList<>();
    for (int i = 0; i < toAdd.size(); i++) {
      String p = Problems.join(path, prefix + "_headers_to_add[" + i + "]");
      HeaderValueOption o = toAdd.get(i);
      problems.onlySupported(o, p, Set.of("header", "append", "append_action", "keep_empty_value"));
      if (!o.hasHeader()) {
        problems.add(Problems.REQUIRED, p + ".header", "a header is required");
        continue;
      }
      HeaderValue h = o.getHeader();
      problems.onlySupported(h, p + ".header", Set.of("key", "value", "raw_value"));
      if (!validName(h.getKey(), p + ".header.key", problems, "added")) {
        continue;
      }
      String raw;
      String valuePath = p + ".header.value";
      if (!h.getRawValue().isEmpty()) {
        valuePath = p + ".header.raw_value";
        if (!h.getValue().isEmpty()) {
          problems.add(Problems.INVALID, p + ".header", "only one of value and raw_value may be set");
          continue;
        }
        raw = utf8(h.getRawValue().asReadOnlyByteBuffer());
        if (raw == null) {
          problems.add(Problems.INVALID, valuePath, "raw_value is not valid UTF-8");
          continue;
        }
      } else {
        raw = h.getValue();
      }
      String value = literal(raw, valuePath, problems);
      if (value == null) {
        continue;
      }
      if (!validValue(value, valuePath, problems)) {
        continue;
      }
      HeaderAppendAction action = o.getAppendAction();
      if (action == HeaderAppendAction.UNRECOGNIZED) {
        problems.add(Problems.INVALID, p + ".append_action", "unknown append_action");
        continue;
      }
      if (o.hasAppend()) {
        if (action != HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD) {
          problems.add(Problems.INVALID, p, "append and append_action are both set; set only append_action "
              + "(append is deprecated)");
          continue;
        }
        action = o.getAppend().getValue() ? HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
            : HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD;
      }
      if (value.isEmpty() && !o.getKeepEmptyValue()) {
        continue; // Envoy skips an empty value unless keep_empty_value
      }
      adds.add(new Add(AsciiString.cached(h.getKey().toLowerCase(Locale.ROOT)), value, action));
    }
    return new HeaderMutations(removes.toArray(AsciiString[]::new), adds.toArray(Add[]::new));
  }

  private static boolean validName(String name, String path, Problems problems, String verb) {
    if (name.isEmpty()) {
      problems.add(Problems.REQUIRED, path, "a header name is required");
      return false;
    }
    if (name.charAt(0) == ':' || name.equalsIgnoreCase("host")) {
      problems.add(Problems.HEADER_NOT_MODIFIABLE, path, "header '" + name + "' may not be " + verb
          + ": pseudo-headers (':'-prefixed) and host cannot be modified by route configuration");
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!isTchar(name.charAt(i))) {
        problems.add(Problems.INVALID, path, "value '" + name + "' is not a valid header name");
        return false;
      }
    }
    return true;
  }

  private static boolean isTchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  private static boolean validValue(String value, String path, Problems problems) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        problems.add(Problems.INVALID, path, "header value contains CR, LF or NUL");
        return false;
      }
    }
    return true;
  }

  /**
   * Resolves Envoy's header formatter syntax for a literal value: "%%" is a "%"; any %VARIABLE% is rejected because
   * Trellis does not evaluate formatters in route header values.
   */
  static String literal(String raw, String path, Problems problems) {
    int pct = raw.indexOf('%');
    if (pct < 0) {
      return raw;
    }
    StringBuilder sb = new StringBuilder(raw.length());
    int i = 0;
    while (i < raw.length()) {
      char c = raw.charAt(i);
      if (c != '%') {
        sb.append(c);
        i++;
        continue;
      }
      if (i + 1 < raw.length() && raw.charAt(i + 1) == '%') {
        sb.append('%');
        i += 2;
        continue;
      }
      int close = raw.indexOf('%', i + 1);
      if (close < 0) {
        problems.add(Problems.UNSUPPORTED_FORMATTER, path, "value '" + raw + "' has an unterminated '%' at offset "
            + i + " (write %% for a literal %)");
      } else {
        problems.add(Problems.UNSUPPORTED_FORMATTER, path, "value '" + raw + "' uses the formatter "
            + raw.substring(i, close + 1) + ", which Trellis does not support in route header values "
            + "(supported: literal text and %% for a literal %)");
      }
      return null;
    }
    return sb.toString();
  }

  private static String utf8(ByteBuffer bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
