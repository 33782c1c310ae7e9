package io.trellis.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.trellis.api.ApiTypes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What of Envoy's API Trellis implements, read from the allowlist files {@code supported/<area>.txt} (one per area of
 * the proxy) and {@code slots.txt} (which typed_config types fit where). Data, not code, so that each part of the proxy
 * declares its own support; see docs/configuration.md for the format.
 */
public final class SupportedFields {
  /** The area files, in the order docs/configuration.md lists them. A test checks this against the directory. */
  public static final List<String> AREAS =
      List.of("core", "listener", "tcp", "http", "route", "upstream", "tls", "accesslog");

  private static final SupportedFields INSTANCE = load();

  /** A supported message: its area and supported fields in file order; {@code all} when listed with '*'. */
  public record MessageEntry(String area, Descriptor type, boolean all, List<String> fields) {
    boolean supports(String field) {
      return all || fields.contains(field);
    }
  }

  /** A typed_config slot: the Any field, an optional enclosing ancestor, and the types that fit there. */
  public record Slot(String anyField, String ancestor, List<String> types) {}

  private final Map<String, MessageEntry> messages;
  private final Map<String, List<String>> values;
  private final Map<String, String> notes;
  private final List<Slot> slots;

  private SupportedFields(Map<String, MessageEntry> messages, Map<String, List<String>> values,
      Map<String, String> notes, List<Slot> slots) {
    this.messages = messages;
    this.values = values;
    this.notes = notes;
    this.slots = slots;
  }

  public static SupportedFields get() {
    return INSTANCE;
  }

  public Optional<MessageEntry> message(Descriptor type) {
    return Optional.ofNullable(messages.get(type.getFullName()));
  }

  public Map<String, MessageEntry> messages() {
    return messages;
  }

  /** Supported values of an enum or string field ({@code Message.field}), if restricted. */
  public Optional<List<String>> values(FieldDescriptor field) {
    return Optional.ofNullable(values.get(key(field)));
  }

  /** Every value allowlist, keyed {@code Message.field}, in file order. */
  public Map<String, List<String>> allValues() {
    return values;
  }

  /** Every note, keyed {@code Message.field}, in file order. */
  public Map<String, String> allNotes() {
    return notes;
  }

  /** Why a field is not supported yet, if the allowlist says. */
  public Optional<String> note(FieldDescriptor field) {
    return Optional.ofNullable(notes.get(key(field)));
  }

  public List<Slot> slots() {
    return slots;
  }

  /** The slot for an Any field whose enclosing messages are {@code ancestors} (outermost first), if any. */
  public Optional<Slot> slot(FieldDescriptor anyField, List<String> ancestors) {
    String k = key(anyField);
    Slot general = null;
    Slot specific = null;
    int specificDepth = -1;
    for (Slot s : slots) {
      if (!s.anyField().equals(k)) {
        continue;
      }
      if (s.ancestor().isEmpty()) {
        general = s;
      } else {
        int at = ancestors.lastIndexOf(s.ancestor());
        if (at > specificDepth) {
          specific = s;
          specificDepth = at;
        }
      }
    }
    return Optional.ofNullable(specific != null ? specific : general);
  }

  static String key(FieldDescriptor field) {
    return field.getContainingType().getFullName() + "." + field.getName();
  }

  // ---------------------------------------------------------------------------------------------------------------

  private static SupportedFields load() {
    Map<String, Descriptor> known = knownMessages();
    Map<String, MessageEntry> messages = new LinkedHashMap<>();
    Map<String, List<String>> values = new LinkedHashMap<>();
    Map<String, String> notes = new LinkedHashMap<>();
    for (String area : AREAS) {
      String resource = "supported/" + area + ".txt";
      int lineNo = 0;
      for (String raw : lines(resource)) {
        lineNo++;
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String where = resource + ":" + lineNo;
        int bang = line.indexOf(" ! ");
        int eq = line.indexOf(" = ");
        if (bang > 0) {
          FieldDescriptor f = field(known, line.substring(0, bang).strip(), where);
          notes.put(key(f), line.substring(bang + 3).strip());
        } else if (eq > 0) {
          FieldDescriptor f = field(known, line.substring(0, eq).strip(), where);
          List<String> list = split(line.substring(eq + 3));
          if (f.getJavaType() == FieldDescriptor.JavaType.ENUM) {
            for (String v : list) {
              if (f.getEnumType().findValueByName(v) == null) {
                throw new IllegalStateException(where + ": " + v + " is not a value of " + f.getEnumType()
                    .getFullName());
              }
            }
          } else if (f.getJavaType() != FieldDescriptor.JavaType.STRING) {
            throw new IllegalStateException(where + ": value lists are for enum and string fields");
          }
          values.put(key(f), list);
        } else {
          int colon = line.indexOf(':');
          if (colon < 0) {
            throw new IllegalStateException(where + ": expected 'Message: fields', 'Message.field = values' or "
                + "'Message.field ! reason'");
          }
          String name = line.substring(0, colon).strip();
          Descriptor type = known.get(name);
          if (type == null) {
            throw new IllegalStateException(where + ": unknown message " + name);
          }
          String rest = line.substring(colon + 1).strip();
          boolean all = rest.equals("*");
          List<String> fields = all ? List.of() : split(rest);
          for (String f : fields) {
            if (type.findFieldByName(f) == null) {
              throw new IllegalStateException(where + ": " + name + " has no field " + f);
            }
          }
          if (messages.put(name, new MessageEntry(area, type, all, fields)) != null) {
            throw new IllegalStateException(where + ": " + name + " is listed twice");
          }
        }
      }
    }
    List<Slot> slots = new ArrayList<>();
    int lineNo = 0;
    for (String raw : lines("slots.txt")) {
      lineNo++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      String head = line.substring(0, colon).strip();
      String ancestor = "";
      int in = head.indexOf(" in ");
      if (in > 0) {
        ancestor = head.substring(in + 4).strip();
        head = head.substring(0, in).strip();
      }
      FieldDescriptor f = field(known, head, "slots.txt:" + lineNo);
      List<String> types = split(line.substring(colon + 1));
      for (String t : types) {
        if (ApiTypes.forTypeUrl(t).isEmpty()) {
          throw new IllegalStateException("slots.txt:" + lineNo + ": " + t + " is not in ApiTypes");
        }
      }
      slots.add(new Slot(key(f), ancestor, types));
    }
    return new SupportedFields(Collections.unmodifiableMap(messages), Collections.unmodifiableMap(values),
        Collections.unmodifiableMap(notes), List.copyOf(slots));
  }

  private static FieldDescriptor field(Map<String, Descriptor> known, String dotted, String where) {
    int dot = dotted.lastIndexOf('.');
    Descriptor type = dot < 0 ? null : known.get(dotted.substring(0, dot));
    FieldDescriptor f = type == null ? null : type.findFieldByName(dotted.substring(dot + 1));
    if (f == null) {
      throw new IllegalStateException(where + ": unknown field " + dotted);
    }
    return f;
  }

  private static List<String> split(String list) {
    return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static List<String> lines(String resource) {
    try (InputStream in = SupportedFields.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every message type reachable from the bootstrap and from the supported typed_config types. */
  static Map<String, Descriptor> knownMessages() {
    Map<String, Descriptor> all = new LinkedHashMap<>();
    collect(ApiTypes.bootstrap(), all);
    ApiTypes.SUPPORTED_EXTENSIONS.forEach(d -> collect(d, all));
    return all;
  }

  private static void collect(Descriptor d, Map<String, Descriptor> out) {
    if (out.putIfAbsent(d.getFullName(), d) != null) {
      return;
    }
    for (FieldDescriptor f : d.getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        collect(f.getMessageType(), out);
      }
    }
  }

  /** The area file a {@code Message.field} key belongs to: the area of its message, else core. */
  public String areaOf(String messageDotField) {
    MessageEntry e = messages.get(messageDotField.substring(0, messageDotField.lastIndexOf('.')));
    return e == null ? "core" : e.area();
  }

  static boolean sameValue(FieldDescriptor field, String allowed, String actual) {
    return field.getJavaType() == FieldDescriptor.JavaType.STRING
        ? allowed.toLowerCase(Locale.ROOT).equals(actual.toLowerCase(Locale.ROOT)) : allowed.equals(actual);
  }

}
