package io.trellis.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.FieldMaskUtil;
import com.google.protobuf.util.Timestamps;
import io.trellis.api.ApiTypes;
import io.trellis.common.ConfigException;
import io.trellis.common.Diagnostic;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a Jackson tree into a protobuf message by walking the tree alongside the message's descriptor, following the
 * proto3 JSON mapping, so that every problem is reported with the exact path to the field, the offending value and
 * what was expected.
 *
 * <p>Accepted: field names in snake_case or lowerCamelCase; enums by name or number; 64-bit integers as numbers or
 * strings; bytes as base64 (standard or URL-safe, padding optional); {@code null} for "not set"; the well-known types
 * Duration ({@code "1.5s"}), Timestamp (RFC 3339), the wrappers (plain values), Struct/Value/ListValue (any value),
 * Empty, FieldMask ({@code "a.b,c"}), and Any ({@code "@type"} plus the fields of that type, resolved with
 * {@link ApiTypes#forTypeUrl}). Reading goes on past an error so that one run reports every problem (up to
 * {@value #MAX_ERRORS}).
 */
public final class ProtoJsonReader {
  public static final int MAX_ERRORS = 100;
  private static final long MAX_DURATION_SECONDS = 315_576_000_000L;
  private static final Pattern DURATION = Pattern.compile("^(-)?([0-9]+)(?:\\.([0-9]{1,9}))?s$");
  private static final Pattern INTEGER_TEXT = Pattern.compile("^[-+]?[0-9]{1,40}$");
  private static final Pattern IDENTIFIER = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");
  private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS_BY_NAME = new ConcurrentHashMap<>();

  private final List<Diagnostic> errors = new ArrayList<>();
  private boolean truncated;

  private ProtoJsonReader() {}

  /**
   * Merges {@code node} into {@code builder}. Throws with every problem found; diagnostics carry no file name (use
   * {@link ConfigException#inFile}).
   */
  public static void merge(JsonNode node, Message.Builder builder) throws ConfigException {
    merge(node, builder, "");
  }

  /** As {@link #merge(JsonNode, Message.Builder)}, with paths starting at {@code basePath}. */
  public static void merge(JsonNode node, Message.Builder builder, String basePath) throws ConfigException {
    ProtoJsonReader reader = new ProtoJsonReader();
    reader.readMessage(node, builder, basePath);
    if (!reader.errors.isEmpty()) {
      throw new ConfigException(reader.errors);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Messages

  private void readMessage(JsonNode node, Message.Builder builder, String path) {
    Descriptor type = builder.getDescriptorForType();
    if (WellKnown.isWellKnown(type)) {
      readWellKnown(node, builder, path);
      return;
    }
    if (!node.isObject()) {
      error(ConfigCode.WRONG_TYPE, path, "expected a mapping of " + type.getFullName() + " fields, got "
          + describe(node));
      return;
    }
    Map<String, FieldDescriptor> byName = fieldsByName(type);
    Map<FieldDescriptor, String> seen = new HashMap<>();
    Map<OneofDescriptor, String> oneofs = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = e.getKey();
      FieldDescriptor field = byName.get(key);
      if (field == null) {
        error(ConfigCode.UNKNOWN_FIELD, child(path, key), "unknown field '" + key + "' in " + type.getFullName()
            + suggestField(type, key));
        continue;
      }
      String fieldPath = child(path, field.getName());
      String before = seen.putIfAbsent(field, key);
      if (before != null) {
        error(ConfigCode.FIELD_TWICE, fieldPath, "field '" + field.getName() + "' is given twice (as '" + before
            + "' and as '" + key + "')");
        continue;
      }
      JsonNode value = e.getValue();
      if (value.isNull() && !acceptsNull(field)) {
        continue; // proto3 JSON: null means "not set"
      }
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof != null) {
        String other = oneofs.putIfAbsent(oneof, field.getName());
        if (other != null) {
          error(ConfigCode.ONEOF_CONFLICT, fieldPath, "'" + other + "' and '" + field.getName()
              + "' are both set, but only one member of oneof '" + oneof.getName() + "' may be set (members: "
              + oneof.getFields().stream().map(FieldDescriptor::getName).collect(Collectors.joining(", ")) + ")");
          continue;
        }
      }
      readField(field, value, builder, fieldPath);
    }
  }

  private static boolean acceptsNull(FieldDescriptor field) {
    return !field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        && field.getMessageType().getFullName().equals(Value.getDescriptor().getFullName());
  }

  private void readField(FieldDescriptor field, JsonNode value, Message.Builder builder, String path) {
    if (field.isMapField()) {
      readMap(field, value, builder, path);
    } else if (field.isRepeated()) {
      if (!value.isArray()) {
        error(ConfigCode.WRONG_TYPE, path, "expected a list, got " + describe(value)
            + (value.isObject() || value.isValueNode() ? " (write it as a one-item list: '- ...')" : ""));
        return;
      }
      int i = 0;
      for (JsonNode item : value) {
        String itemPath = path + "[" + i++ + "]";
        if (item.isNull()) {
          error(ConfigCode.WRONG_TYPE, itemPath, "list items cannot be null");
          continue;
        }
        Object converted = convert(field, item, builder, itemPath);
        if (converted != null) {
          builder.addRepeatedField(field, converted);
        }
      }
    } else {
      Object converted = convert(field, value, builder, path);
      if (converted != null) {
        builder.setField(field, converted);
      }
    }
  }

  private void readMap(FieldDescriptor field, JsonNode value, Message.Builder builder, String path) {
    if (!value.isObject()) {
      error(ConfigCode.WRONG_TYPE, path, "expected a mapping (map<" + typeName(field.getMessageType().findFieldByName(
          "key")) + ", " + typeName(field.getMessageType().findFieldByName("value")) + ">), got " + describe(value));
      return;
    }
    FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
    FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
    for (Map.Entry<String, JsonNode> e : value.properties()) {
      String entryPath = path + "[" + quote(e.getKey()) + "]";
      Message.Builder entry = builder.newBuilderForField(field);
      Object key = convertScalar(keyField, com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getKey()),
          entryPath, true);
      if (key == null) {
        continue;
      }
      if (e.getValue().isNull() && !acceptsNull(valueField)) {
        error(ConfigCode.WRONG_TYPE, entryPath, "map values cannot be null");
        continue;
      }
      Object converted = convert(valueField, e.getValue(), entry, entryPath);
      if (converted == null) {
        continue;
      }
      entry.setField(keyField, key);
      entry.setField(valueField, converted);
      builder.addRepeatedField(field, entry.build());
    }
  }

  /** The value to set for {@code field} (one item of it, if repeated), or null after reporting an error. */
  private Object convert(FieldDescriptor field, JsonNode value, Message.Builder parent, String path) {
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      Message.Builder child = parent.newBuilderForField(field);
      int errorsBefore = errors.size();
      readMessage(value, child, path);
      return errors.size() == errorsBefore ? child.build() : null;
    }
    return convertScalar(field, value, path, false);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Scalars

  private Object convertScalar(FieldDescriptor field, JsonNode value, String path, boolean mapKey) {
    return switch (field.getType()) {
      case INT32, SINT32, SFIXED32 -> toInt(value, path, "int32", BigInteger.valueOf(Integer.MIN_VALUE),
          BigInteger.valueOf(Integer.MAX_VALUE), n -> n.intValue());
      case UINT32, FIXED32 -> toInt(value, path, "uint32", BigInteger.ZERO, BigInteger.valueOf(0xFFFF_FFFFL),
          n -> (int) n.longValue());
      case INT64, SINT64, SFIXED64 -> toInt(value, path, "int64", BigInteger.valueOf(Long.MIN_VALUE),
          BigInteger.valueOf(Long.MAX_VALUE), BigInteger::longValue);
      case UINT64, FIXED64 -> toInt(value, path, "uint64", BigInteger.ZERO,
          BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE), BigInteger::longValue);
      case FLOAT -> {
        Double d = toDouble(value, path, "float");
        if (d != null && !d.isInfinite() && !d.isNaN() && Math.abs(d) > Float.MAX_VALUE) {
          error(ConfigCode.BAD_NUMBER, path, "value " + show(value) + " is out of range for float");
          yield null;
        }
        yield d == null ? null : (Object) d.floatValue();
      }
      case DOUBLE -> toDouble(value, path, "double");
      case BOOL -> toBool(value, path, mapKey);
      case STRING -> {
        if (value.isTextual()) {
          yield value.textValue();
        }
        error(ConfigCode.WRONG_TYPE, path, "expected a string, got " + describe(value)
            + (value.isNumber() || value.isBoolean() ? " (quote it: '" + value.asText() + "')" : ""));
        yield null;
      }
      case BYTES -> toBytes(value, path);
      case ENUM -> toEnum(field.getEnumType(), value, path);
      default -> {
        error(ConfigCode.WRONG_TYPE, path, "unexpected field type " + field.getType());
        yield null;
      }
    };
  }

  private Object toInt(JsonNode value, String path, String typeName, BigInteger min, BigInteger max,
      java.util.function.Function<BigInteger, Object> narrow) {
    BigInteger n = integer(value);
    String expected = "an integer from " + min + " to " + max;
    if (n == null) {
      error(ConfigCode.BAD_NUMBER, path, "value " + show(value) + " is not a valid " + typeName + " (expected "
          + expected + ")");
      return null;
    }
    if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
      error(ConfigCode.BAD_NUMBER, path, "value " + show(value) + " is out of range for " + typeName + " (expected "
          + expected + ")");
      return null;
    }
    return narrow.apply(n);
  }

  private static BigInteger integer(JsonNode value) {
    if (value.isIntegralNumber()) {
      return value.bigIntegerValue();
    }
    BigDecimal decimal = null;
    if (value.isFloatingPointNumber()) {
      if (value.isDouble() || value.isFloat()) {
        double d = value.doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          return null;
        }
      }
      decimal = value.decimalValue();
    } else if (value.isTextual()) {
      String t = value.textValue();
      if (INTEGER_TEXT.matcher(t).matches()) {
        return new BigInteger(t.startsWith("+") ? t.substring(1) : t);
      }
      if (t.length() > 60) {
        return null;
      }
      try {
        decimal = new BigDecimal(t);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    if (decimal == null) {
      return null;
    }
    if (decimal.signum() == 0) {
      return BigInteger.ZERO;
    }
    BigDecimal stripped = decimal.stripTrailingZeros();
    // An integral value written with a fraction or exponent (8.0, 1e3): accept it, but never expand a huge exponent.
    if (stripped.scale() > 0 || stripped.precision() - stripped.scale() > 40) {
      return null;
    }
    return stripped.toBigIntegerExact();
  }

  private Double toDouble(JsonNode value, String path, String typeName) {
    if (value.isNumber()) {
      double d = value.doubleValue();
      if (Double.isInfinite(d) && !(value.isDouble() || value.isFloat())) {
        error(ConfigCode.BAD_NUMBER, path, "value " + show(value) + " is out of range for " + typeName);
        return null;
      }
      return d;
    }
    if (value.isTextual()) {
      String t = value.textValue();
      switch (t) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
      if (t.length() <= 60) {
        try {
          BigDecimal decimal = new BigDecimal(t);
          double d = decimal.doubleValue();
          if (!Double.isInfinite(d)) {
            return d;
          }
        } catch (NumberFormatException e) {
          // fall through
        }
      }
    }
    error(ConfigCode.BAD_NUMBER, path, "value " + show(value) + " is not a valid " + typeName
        + " (expected a number)");
    return null;
  }

  private Boolean toBool(JsonNode value, String path, boolean mapKey) {
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    if (value.isTextual() && (value.textValue().equals("true") || value.textValue().equals("false"))) {
      return value.textValue().equals("true");
    }
    error(ConfigCode.WRONG_TYPE, path, (mapKey ? "map key " : "value ") + show(value)
        + " is not a boolean (expected true or false)");
    return null;
  }

  private ByteString toBytes(JsonNode value, String path) {
    if (value.isBinary()) {
      try {
        return ByteString.copyFrom(value.binaryValue());
      } catch (java.io.IOException e) {
        return null;
      }
    }
    if (!value.isTextual()) {
      error(ConfigCode.WRONG_TYPE, path, "expected base64-encoded bytes as a string, got " + describe(value));
      return null;
    }
    String t = value.textValue();
    try {
      boolean urlSafe = t.indexOf('-') >= 0 || t.indexOf('_') >= 0;
      return ByteString.copyFrom((urlSafe ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(t.strip()));
    } catch (IllegalArgumentException e) {
      error(ConfigCode.BAD_FORMAT, path, "value " + show(value) + " is not valid base64 (expected bytes in base64, "
          + "e.g. 'aGVsbG8=')");
      return null;
    }
  }

  private EnumValueDescriptor toEnum(EnumDescriptor type, JsonNode value, String path) {
    EnumValueDescriptor found = null;
    if (value.isTextual()) {
      found = type.findValueByName(value.textValue());
      if (found == null && INTEGER_TEXT.matcher(value.textValue()).matches() && value.textValue().length() < 10) {
        found = type.findValueByNumber(Integer.parseInt(value.textValue()));
      }
    } else if (value.isIntegralNumber() && value.canConvertToInt()) {
      found = type.findValueByNumber(value.intValue());
    }
    if (found != null) {
      return found;
    }
    String hint = "";
    if (value.isTextual()) {
      String upper = value.textValue().toUpperCase(Locale.ROOT).replace('-', '_');
      if (type.findValueByName(upper) != null) {
        hint = " (did you mean '" + upper + "'?)";
      }
    }
    error(ConfigCode.BAD_ENUM, path, "value " + show(value) + " is not a valid " + type.getFullName()
        + " (expected one of " + enumNames(type) + ")" + hint);
    return null;
  }

  static String enumNames(EnumDescriptor type) {
    Set<String> names = new java.util.LinkedHashSet<>();
    for (EnumValueDescriptor v : type.getValues()) {
      names.add(v.getName());
    }
    return String.join(", ", names);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Well-known types

  private void readWellKnown(JsonNode node, Message.Builder builder, String path) {
    Descriptor type = builder.getDescriptorForType();
    String name = type.getFullName();
    switch (name) {
      case "google.protobuf.Any" -> readAny(node, builder, path);
      case "google.protobuf.Duration" -> {
        com.google.protobuf.Duration d = parseDuration(node, path);
        if (d != null) {
          builder.mergeFrom(d);
        }
      }
      case "google.protobuf.Timestamp" -> {
        if (!node.isTextual()) {
          error(ConfigCode.WRONG_TYPE, path, "expected a timestamp such as '2024-01-31T12:00:00Z', got "
              + describe(node));
          return;
        }
        try {
          builder.mergeFrom(Timestamps.parse(node.textValue()));
        } catch (ParseException | IllegalArgumentException e) {
          error(ConfigCode.BAD_FORMAT, path, "value " + show(node)
              + " is not a valid timestamp (expected RFC 3339, such as '2024-01-31T12:00:00Z')");
        }
      }
      case "google.protobuf.FieldMask" -> {
        if (!node.isTextual()) {
          error(ConfigCode.WRONG_TYPE, path, "expected a field mask such as 'name,connectTimeout', got "
              + describe(node));
          return;
        }
        try {
          builder.mergeFrom(FieldMaskUtil.fromJsonString(node.textValue()));
        } catch (IllegalArgumentException e) {
          error(ConfigCode.BAD_FORMAT, path, "value " + show(node) + " is not a valid field mask");
        }
      }
      case "google.protobuf.Empty" -> {
        if (!node.isObject() || !node.isEmpty()) {
          error(ConfigCode.WRONG_TYPE, path, "expected an empty mapping {}, got " + describe(node));
        }
      }
      case "google.protobuf.Struct" -> {
        if (!node.isObject()) {
          error(ConfigCode.WRONG_TYPE, path, "expected a mapping, got " + describe(node));
          return;
        }
        builder.mergeFrom(toValue(node, 0).getStructValue());
      }
      case "google.protobuf.ListValue" -> {
        if (!node.isArray()) {
          error(ConfigCode.WRONG_TYPE, path, "expected a list, got " + describe(node));
          return;
        }
        builder.mergeFrom(toValue(node, 0).getListValue());
      }
      case "google.protobuf.Value" -> builder.mergeFrom(toValue(node, 0));
      default -> { // wrappers: the plain value of their one field
        FieldDescriptor value = type.findFieldByName("value");
        Object converted = convertScalar(value, node, path, false);
        if (converted != null) {
          builder.setField(value, converted);
        }
      }
    }
  }

  private com.google.protobuf.Duration parseDuration(JsonNode node, String path) {
    String example = "expected a duration such as '1.5s'";
    if (!node.isTextual()) {
      String hint = node.isNumber() ? " (write '" + node.asText() + "s' for seconds)" : "";
      error(ConfigCode.WRONG_TYPE, path, example + ", got " + describe(node) + hint);
      return null;
    }
    var m = DURATION.matcher(node.textValue());
    if (!m.matches() || m.group(2).length() > 12) {
      String hint = node.textValue().matches("^-?[0-9.]+(ms|us|m|h|d)$")
          ? " (only seconds are accepted, e.g. '0.25s' for 250ms)" : "";
      error(ConfigCode.BAD_FORMAT, path, example + ", got " + show(node) + hint);
      return null;
    }
    long seconds = Long.parseLong(m.group(2));
    String fraction = m.group(3) == null ? "" : m.group(3);
    int nanos = fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "000000000").substring(0, 9));
    if (seconds > MAX_DURATION_SECONDS) {
      error(ConfigCode.BAD_FORMAT, path, "duration " + show(node) + " is out of range (at most "
          + MAX_DURATION_SECONDS + "s)");
      return null;
    }
    if (m.group(1) != null) {
      seconds = -seconds;
      nanos = -nanos;
    }
    com.google.protobuf.Duration d =
        com.google.protobuf.Duration.newBuilder().setSeconds(seconds).setNanos(nanos).build();
    return Durations.isValid(d) ? d : null;
  }

  private static Value toValue(JsonNode node, int depth) {
    Value.Builder v = Value.newBuilder();
    if (node.isNull() || node.isMissingNode() || depth > DocumentReader.MAX_DEPTH) {
      v.setNullValue(NullValue.NULL_VALUE);
    } else if (node.isBoolean()) {
      v.setBoolValue(node.booleanValue());
    } else if (node.isNumber()) {
      v.setNumberValue(node.doubleValue());
    } else if (node.isTextual()) {
      v.setStringValue(node.textValue());
    } else if (node.isBinary()) {
      v.setStringValue(node.asText());
    } else if (node.isArray()) {
      ListValue.Builder list = ListValue.newBuilder();
      for (JsonNode item : node) {
        list.addValues(toValue(item, depth + 1));
      }
      v.setListValue(list);
    } else if (node.isObject()) {
      Struct.Builder struct = Struct.newBuilder();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        struct.putFields(e.getKey(), toValue(e.getValue(), depth + 1));
      }
      v.setStructValue(struct);
    } else {
      v.setNullValue(NullValue.NULL_VALUE);
    }
    return v.build();
  }

  private void readAny(JsonNode node, Message.Builder builder, String path) {
    if (!node.isObject()) {
      error(ConfigCode.WRONG_TYPE, path, "expected a mapping with '@type' and the fields of that type, got "
          + describe(node));
      return;
    }
    JsonNode typeNode = node.get("@type");
    if (typeNode == null || typeNode.isNull()) {
      error(ConfigCode.BAD_ANY, path, "missing '@type': a typed_config names its type, for example '@type: "
          + ApiTypes.typeUrl(ApiTypes.SUPPORTED_EXTENSIONS.get(0)) + "'");
      return;
    }
    if (!typeNode.isTextual()) {
      error(ConfigCode.BAD_ANY, child(path, "@type"), "expected a type URL string, got " + describe(typeNode));
      return;
    }
    String typeUrl = typeNode.textValue();
    if (typeUrl.endsWith("udpa.type.v1.TypedStruct") || typeUrl.endsWith("xds.type.v3.TypedStruct")) {
      error(ConfigCode.BAD_ANY, child(path, "@type"), "TypedStruct is not supported: write the extension's own "
          + "type in '@type' (supported: " + supportedTypes() + ")");
      return;
    }
    Optional<Descriptor> type = ApiTypes.forTypeUrl(typeUrl);
    if (type.isEmpty()) {
      error(ConfigCode.BAD_ANY, child(path, "@type"), "unknown or unsupported type '" + typeUrl
          + "' (supported: " + supportedTypes() + ")" + suggestType(typeUrl));
      return;
    }
    DynamicMessage.Builder inner = DynamicMessage.newBuilder(type.get());
    com.fasterxml.jackson.databind.node.ObjectNode rest = ((com.fasterxml.jackson.databind.node.ObjectNode) node)
        .deepCopy();
    rest.remove("@type");
    int errorsBefore = errors.size();
    readMessage(rest, inner, path);
    if (errors.size() != errorsBefore) {
      return;
    }
    builder.mergeFrom(Any.newBuilder().setTypeUrl(ApiTypes.typeUrl(type.get()))
        .setValue(inner.build().toByteString()).build());
  }

  private static String supportedTypes() {
    return ApiTypes.SUPPORTED_EXTENSIONS.stream().map(Descriptor::getFullName).sorted()
        .collect(Collectors.joining(", "));
  }

  private static String suggestType(String typeUrl) {
    String simple = typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    return ApiTypes.SUPPORTED_EXTENSIONS.stream()
        .filter(d -> d.getName().equalsIgnoreCase(simple))
        .findFirst()
        .map(d -> " (did you mean '" + ApiTypes.typeUrl(d) + "'?)")
        .orElse("");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Names, paths, messages

  static Map<String, FieldDescriptor> fieldsByName(Descriptor type) {
    return FIELDS_BY_NAME.computeIfAbsent(type, t -> {
      Map<String, FieldDescriptor> m = new LinkedHashMap<>();
      for (FieldDescriptor f : t.getFields()) {
        m.put(f.getName(), f);
      }
      for (FieldDescriptor f : t.getFields()) {
        m.putIfAbsent(f.getJsonName(), f);
      }
      return Map.copyOf(m);
    });
  }

  static String suggestField(Descriptor type, String key) {
    String normalized = normalize(key);
    List<String> names = type.getFields().stream().map(FieldDescriptor::getName).toList();
    for (String name : names) {
      if (normalize(name).equals(normalized)) {
        return " (did you mean '" + name + "'?)";
      }
    }
    int limit = Math.max(1, Math.min(3, key.length() / 3));
    Optional<String> best = names.stream()
        .filter(n -> editDistance(n, key.toLowerCase(Locale.ROOT)) <= limit)
        .min(Comparator.comparingInt(n -> editDistance(n, key.toLowerCase(Locale.ROOT))));
    if (best.isPresent()) {
      return " (did you mean '" + best.get() + "'?)";
    }
    if (names.size() <= 12) {
      return names.isEmpty() ? " (it has no fields)" : " (fields: " + String.join(", ", names) + ")";
    }
    return "";
  }

  private static String normalize(String s) {
    return s.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
  }

  static int editDistance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 3 || a.length() > 64 || b.length() > 64) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** {@code parent.key}, or {@code parent["key"]} when the key is not an identifier. */
  static String child(String parent, String key) {
    if (IDENTIFIER.matcher(key).matches()) {
      return parent.isEmpty() ? key : parent + "." + key;
    }
    return parent + "[" + quote(key) + "]";
  }

  static String quote(String key) {
    return "\"" + DocumentReader.abbreviate(key).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** A short description of a value for messages: {@code a list}, {@code number 5}, {@code string 'x'}. */
  static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    if (node.isObject()) {
      return "a mapping";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isNull()) {
      return "null";
    }
    if (node.isBoolean()) {
      return "boolean " + node.asText();
    }
    if (node.isNumber()) {
      return "number " + DocumentReader.abbreviate(numberText(node));
    }
    if (node.isTextual()) {
      return "string '" + DocumentReader.abbreviate(node.textValue()) + "'";
    }
    if (node.isBinary()) {
      return "binary data";
    }
    return node.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  private static String numberText(JsonNode node) {
    return node.isBigDecimal() ? node.decimalValue().toString() : node.asText();
  }

  /** The value as it reads in a message: {@code 'FOO'} for strings, the bare text for numbers. */
  static String show(JsonNode node) {
    if (node.isTextual()) {
      return "'" + DocumentReader.abbreviate(node.textValue()) + "'";
    }
    if (node.isNumber()) {
      return DocumentReader.abbreviate(numberText(node));
    }
    if (node.isValueNode()) {
      return node.asText();
    }
    return describe(node);
  }

  private static String typeName(FieldDescriptor field) {
    if (field == null) {
      return "?";
    }
    return switch (field.getJavaType()) {
      case MESSAGE -> field.getMessageType().getFullName();
      case ENUM -> field.getEnumType().getFullName();
      default -> field.getType().name().toLowerCase(Locale.ROOT);
    };
  }

  private void error(ConfigCode code, String path, String message) {
    if (errors.size() < MAX_ERRORS) {
      errors.add(Diagnostic.at(code.code(), path, message));
    } else if (!truncated) {
      truncated = true;
      errors.add(Diagnostic.at(ConfigCode.TOO_MANY_ERRORS.code(), "", "too many errors; stopped reporting after "
          + MAX_ERRORS));
    }
  }

  /** The protobuf well-known types, which have their own JSON forms. */
  static final class WellKnown {
    private static final Set<String> NAMES = new HashSet<>(List.of(
        "google.protobuf.Any", "google.protobuf.Duration", "google.protobuf.Timestamp", "google.protobuf.FieldMask",
        "google.protobuf.Empty", "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
        "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
        "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
        "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue"));

    private WellKnown() {}

    static boolean isWellKnown(Descriptor type) {
      return NAMES.contains(type.getFullName());
    }
  }
}
