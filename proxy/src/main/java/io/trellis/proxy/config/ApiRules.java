package io.trellis.proxy.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import io.trellis.common.Diagnostic;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The validation rules written into Envoy's API ({@code protoc-gen-validate} annotations such as
 * {@code (validate.rules).string.min_len = 1} or {@code duration.gt = {}}), which Envoy checks on every config it
 * loads. Trellis checks the common kinds on the fields it supports, so that a config Envoy rejects is rejected here
 * too: required messages and oneofs, string and bytes lengths, header-safe strings, numeric bounds, durations, list and map
 * sizes. Rule kinds not listed here are not checked.
 */
final class ApiRules {
  private final List<Diagnostic> errors;

  ApiRules(List<Diagnostic> errors) {
    this.errors = errors;
  }

  /** Checks the rules of every supported field of {@code message}, and its required oneofs. */
  void check(Message message, String path, Predicate<FieldDescriptor> supported) {
    Descriptor type = message.getDescriptorForType();
    if (type.getOptions().getExtension(Validate.disabled) || type.getOptions().getExtension(Validate.ignored)) {
      return;
    }
    for (OneofDescriptor oneof : type.getRealOneofs()) {
      if (oneof.getOptions().getExtension(Validate.required) && !message.hasOneof(oneof)
          && oneof.getFields().stream().anyMatch(supported)) {
        List<String> members = oneof.getFields().stream().filter(supported).map(FieldDescriptor::getName).toList();
        if (members.size() == 1) {
          error(ProtoJsonReader.child(path, members.get(0)), "must be set");
        } else {
          error(path, "one of " + String.join(", ", members) + " must be set");
        }
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      if (!supported.test(field) || !field.getOptions().hasExtension(Validate.rules)) {
        continue;
      }
      if (field.getRealContainingOneof() != null && !message.hasField(field)) {
        continue; // rules of an unset oneof member do not apply
      }
      FieldRules rules = field.getOptions().getExtension(Validate.rules);
      String fieldPath = ProtoJsonReader.child(path, field.getName());
      if (field.isMapField()) {
        int n = message.getRepeatedFieldCount(field);
        var map = rules.getMap();
        if (map.hasMinPairs() && n < map.getMinPairs() && !(map.getIgnoreEmpty() && n == 0)) {
          error(fieldPath, "must have at least " + map.getMinPairs() + " entr"
              + (map.getMinPairs() == 1 ? "y" : "ies"));
        }
        if (map.hasMaxPairs() && n > map.getMaxPairs()) {
          error(fieldPath, "must have at most " + map.getMaxPairs() + " entries, got " + n);
        }
      } else if (field.isRepeated()) {
        List<?> items = (List<?>) message.getField(field);
        var repeated = rules.getRepeated();
        boolean skip = repeated.getIgnoreEmpty() && items.isEmpty();
        if (!skip && repeated.hasMinItems() && items.size() < repeated.getMinItems()) {
          error(fieldPath, "must have at least " + repeated.getMinItems() + " item"
              + (repeated.getMinItems() == 1 ? "" : "s"));
        }
        if (repeated.hasMaxItems() && items.size() > repeated.getMaxItems()) {
          error(fieldPath, "must have at most " + repeated.getMaxItems() + " items, got " + items.size());
        }
        if (repeated.getUnique() && new HashSet<>(items).size() != items.size()) {
          error(fieldPath, "must not repeat an item");
        }
        if (repeated.hasItems()) {
          for (int i = 0; i < items.size(); i++) {
            value(field, repeated.getItems(), items.get(i), fieldPath + "[" + i + "]");
          }
        }
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        boolean set = message.hasField(field);
        boolean required = rules.getMessage().getRequired()
            || (rules.hasDuration() && rules.getDuration().getRequired())
            || (rules.hasAny() && rules.getAny().getRequired())
            || (rules.hasTimestamp() && rules.getTimestamp().getRequired());
        if (!set) {
          if (required) {
            error(fieldPath, "must be set");
          }
          continue;
        }
        value(field, rules, message.getField(field), fieldPath);
      } else {
        value(field, rules, message.getField(field), fieldPath);
      }
    }
  }

  /** Checks one value (a field, or one item of a list) against scalar, wrapper and duration rules. */
  private void value(FieldDescriptor field, FieldRules rules, Object value, String path) {
    if (value instanceof Message m) {
      String type = m.getDescriptorForType().getFullName();
      if (type.equals("google.protobuf.Duration") && rules.hasDuration()) {
        duration(rules.getDuration(), m instanceof Duration d ? d : Duration.newBuilder().mergeFrom(m).build(), path);
      } else if (ProtoJsonReader.WellKnown.isWellKnown(m.getDescriptorForType()) && type.endsWith("Value")
          && !type.equals("google.protobuf.Value") && !type.equals("google.protobuf.ListValue")) {
        FieldDescriptor inner = m.getDescriptorForType().findFieldByName("value");
        value(inner, rules, m.getField(inner), path);
      }
      return;
    }
    switch (rules.getTypeCase()) {
      case STRING -> string(rules.getString(), (String) value, path);
      case BYTES -> {
        var b = rules.getBytes();
        int n = ((com.google.protobuf.ByteString) value).size();
        if (!(b.getIgnoreEmpty() && n == 0) && b.hasMinLen() && n < b.getMinLen()) {
          error(path, "must be at least " + b.getMinLen() + " byte" + (b.getMinLen() == 1 ? "" : "s") + " long");
        }
        if (b.hasMaxLen() && n > b.getMaxLen()) {
          error(path, "must be at most " + b.getMaxLen() + " bytes long, got " + n);
        }
      }
      case ENUM -> {
        var e = rules.getEnum();
        int number = ((EnumValueDescriptor) value).getNumber();
        if (e.getInCount() > 0 && !e.getInList().contains(number)) {
          error(path, "value " + ((EnumValueDescriptor) value).getName() + " is not allowed here");
        }
        if (e.getNotInList().contains(number)) {
          error(path, "value " + ((EnumValueDescriptor) value).getName() + " is not allowed here");
        }
      }
      case FLOAT, DOUBLE, INT32, INT64, UINT32, UINT64, SINT32, SINT64, FIXED32, FIXED64, SFIXED32, SFIXED64 ->
          number(field, (Message) rules.getField(rules.getDescriptorForType().findFieldByNumber(
              rules.getTypeCase().getNumber())), value, path);
      default -> {
        // bool, any, map/repeated nested in items, timestamp: not checked
      }
    }
  }

  private void string(Validate.StringRules s, String value, String path) {
    if (s.getIgnoreEmpty() && value.isEmpty()) {
      return;
    }
    int chars = value.codePointCount(0, value.length());
    if (s.hasMinLen() && chars < s.getMinLen()) {
      error(path, value.isEmpty() ? "must not be empty"
          : "must be at least " + s.getMinLen() + " characters long, got '" + DocumentReader.abbreviate(value) + "'");
    }
    if (s.hasMaxLen() && chars > s.getMaxLen()) {
      error(path, "must be at most " + s.getMaxLen() + " characters long, got " + chars);
    }
    if (s.hasLen() && chars != s.getLen()) {
      error(path, "must be exactly " + s.getLen() + " characters long, got " + chars);
    }
    int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (s.hasMinBytes() && bytes < s.getMinBytes()) {
      error(path, value.isEmpty() ? "must not be empty" : "must be at least " + s.getMinBytes() + " bytes long");
    }
    if (s.hasMaxBytes() && bytes > s.getMaxBytes()) {
      error(path, "must be at most " + s.getMaxBytes() + " bytes long, got " + bytes);
    }
    if (s.hasPrefix() && !value.startsWith(s.getPrefix())) {
      error(path, "must start with '" + s.getPrefix() + "'");
    }
    if (s.hasWellKnownRegex()) {
      boolean name = s.getWellKnownRegex() == Validate.KnownRegex.HTTP_HEADER_NAME;
      boolean bad = value.chars().anyMatch(c -> c == 0 || c == '\r' || c == '\n');
      if (s.getStrict() && name) {
        bad = bad || !value.matches("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");
      }
      if (bad) {
        error(path, name ? "is not a valid HTTP header name" : "is not a valid HTTP header value (no NUL, CR or LF)");
      }
    }
  }

  private void number(FieldDescriptor field, Message numberRules, Object value, String path) {
    BigDecimal v = decimal(field, value);
    if (v == null) {
      return;
    }
    Map<FieldDescriptor, Object> set = numberRules.getAllFields();
    boolean ignoreEmpty = false;
    BigDecimal gt = null;
    BigDecimal gte = null;
    BigDecimal lt = null;
    BigDecimal lte = null;
    for (Map.Entry<FieldDescriptor, Object> e : set.entrySet()) {
      switch (e.getKey().getName()) {
        case "ignore_empty" -> ignoreEmpty = (Boolean) e.getValue();
        case "gt" -> gt = decimal(e.getKey(), e.getValue());
        case "gte" -> gte = decimal(e.getKey(), e.getValue());
        case "lt" -> lt = decimal(e.getKey(), e.getValue());
        case "lte" -> lte = decimal(e.getKey(), e.getValue());
        case "const" -> {
          if (v.compareTo(decimal(e.getKey(), e.getValue())) != 0) {
            error(path, "must be " + plain(decimal(e.getKey(), e.getValue())) + ", got " + plain(v));
          }
        }
        case "in" -> {
          Set<BigDecimal> allowed = ((List<?>) e.getValue()).stream().map(o -> decimal(e.getKey(), o))
              .map(BigDecimal::stripTrailingZeros).collect(Collectors.toSet());
          if (!allowed.contains(v.stripTrailingZeros())) {
            error(path, "must be one of " + allowed.stream().map(ApiRules::plain).sorted()
                .collect(Collectors.joining(", ")) + ", got " + plain(v));
          }
        }
        default -> { }
      }
    }
    if (ignoreEmpty && v.signum() == 0) {
      return;
    }
    if (gt != null && v.compareTo(gt) <= 0) {
      error(path, "must be greater than " + plain(gt) + ", got " + plain(v));
    } else if (gte != null && v.compareTo(gte) < 0) {
      error(path, "must be at least " + plain(gte) + ", got " + plain(v));
    } else if (lt != null && v.compareTo(lt) >= 0) {
      error(path, "must be less than " + plain(lt) + ", got " + plain(v));
    } else if (lte != null && v.compareTo(lte) > 0) {
      error(path, "must be at most " + plain(lte) + ", got " + plain(v));
    }
  }

  private void duration(Validate.DurationRules rules, Duration d, String path) {
    String got = ", got '" + Durations.toString(d) + "'";
    if (rules.hasGt() && Durations.compare(d, rules.getGt()) <= 0) {
      error(path, "must be longer than " + Durations.toString(rules.getGt()) + got);
    } else if (rules.hasGte() && Durations.compare(d, rules.getGte()) < 0) {
      error(path, "must be at least " + Durations.toString(rules.getGte()) + got);
    } else if (rules.hasLt() && Durations.compare(d, rules.getLt()) >= 0) {
      error(path, "must be shorter than " + Durations.toString(rules.getLt()) + got);
    } else if (rules.hasLte() && Durations.compare(d, rules.getLte()) > 0) {
      error(path, "must be at most " + Durations.toString(rules.getLte()) + got);
    }
  }

  private static BigDecimal decimal(FieldDescriptor field, Object value) {
    return switch (value) {
      case Integer i -> unsigned(field) ? BigDecimal.valueOf(Integer.toUnsignedLong(i)) : BigDecimal.valueOf(i);
      case Long l -> unsigned(field) ? new BigDecimal(Long.toUnsignedString(l)) : BigDecimal.valueOf(l);
      case Float f -> Float.isFinite(f) ? new BigDecimal(Float.toString(f)) : null;
      case Double d -> Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
      default -> null;
    };
  }

  private static boolean unsigned(FieldDescriptor field) {
    return switch (field.getType()) {
      case UINT32, FIXED32, UINT64, FIXED64 -> true;
      default -> false;
    };
  }

  private static String plain(BigDecimal d) {
    return d.stripTrailingZeros().toPlainString();
  }

  private void error(String path, String message) {
    errors.add(Diagnostic.at(ConfigCode.API_RULE.code(), path, message + " (a rule of Envoy's API)"));
  }
}
