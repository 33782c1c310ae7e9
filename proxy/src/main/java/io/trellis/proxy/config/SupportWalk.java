package io.trellis.proxy.config;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.trellis.api.ApiTypes;
import io.trellis.common.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Walks every set field of a message, typed_config contents included, and reports what the allowlist
 * ({@link SupportedFields}) does not cover: unsupported fields and enum values, typed_config types out of their slot.
 * On the way it checks what is local to a value: regular expressions compile (RE2J), durations are not negative.
 */
final class SupportWalk {
  static final String REGEX_MATCHER = "envoy.type.matcher.v3.RegexMatcher";
  /** RE2 programs are linear in their size; bound the size so a config cannot ask for a huge one. */
  static final int MAX_REGEX_LENGTH = 4096;
  /** The largest program (estimated by {@link RegexSize}) a regex may compile to. */
  static final long MAX_REGEX_PROGRAM = 10_000;

  private final SupportedFields supported = SupportedFields.get();
  private final List<Diagnostic> errors;
  private final List<String> ancestors = new ArrayList<>();
  private final ApiRules rules;

  SupportWalk(List<Diagnostic> errors) {
    this.errors = errors;
    this.rules = new ApiRules(errors);
  }

  void walk(Message message, String path) {
    Descriptor type = message.getDescriptorForType();
    if (ProtoJsonReader.WellKnown.isWellKnown(type)) {
      return;
    }
    Optional<SupportedFields.MessageEntry> entry = supported.message(type);
    if (type.getFullName().equals(REGEX_MATCHER)) {
      checkRegex(message, path);
    }
    rules.check(message, path, f -> entry.isPresent() && entry.get().supports(f.getName()));
    ancestors.add(type.getFullName());
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      String fieldPath = ProtoJsonReader.child(path, field.getName());
      if (entry.isEmpty() || !entry.get().supports(field.getName())) {
        unsupported(field, fieldPath, entry);
        continue;
      }
      if (field.isMapField()) {
        FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
        FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
        for (Object item : (List<?>) e.getValue()) {
          Message mapEntry = (Message) item;
          String entryPath = fieldPath + "[" + ProtoJsonReader.quote(String.valueOf(mapEntry.getField(keyField)))
              + "]";
          value(field, valueField, mapEntry.getField(valueField), entryPath);
        }
      } else if (field.isRepeated()) {
        int i = 0;
        for (Object item : (List<?>) e.getValue()) {
          value(field, field, item, fieldPath + "[" + i++ + "]");
        }
      } else {
        value(field, field, e.getValue(), fieldPath);
      }
    }
    ancestors.removeLast();
  }

  private void unsupported(FieldDescriptor field, String path, Optional<SupportedFields.MessageEntry> entry) {
    String type = field.getContainingType().getFullName();
    String list = entry.isEmpty() || entry.get().fields().isEmpty()
        ? type + " has no supported fields"
        : "supported fields of " + type + ": " + String.join(", ", entry.get().fields());
    String note = supported.note(field).map(n -> ": " + n).orElse("");
    error(ConfigCode.UNSUPPORTED_FIELD, path, "Trellis does not support this field yet" + note + " (" + list + ")");
  }

  private void value(FieldDescriptor field, FieldDescriptor valueField, Object value, String path) {
    switch (valueField.getJavaType()) {
      case ENUM -> {
        EnumValueDescriptor v = (EnumValueDescriptor) value;
        supported.values(field).ifPresent(allowed -> {
          if (!allowed.contains(v.getName())) {
            error(ConfigCode.UNSUPPORTED_ENUM_VALUE, path, "value '" + v.getName() + "' is not supported yet "
                + "(supported: " + String.join(", ", allowed) + ")");
          }
        });
      }
      case STRING -> supported.values(field).ifPresent(allowed -> {
        if (allowed.stream().noneMatch(a -> SupportedFields.sameValue(field, a, (String) value))) {
          error(ConfigCode.UNSUPPORTED_ENUM_VALUE, path, "value '" + DocumentReader.abbreviate((String) value)
              + "' is not supported yet (supported: " + String.join(", ", allowed) + ")");
        }
      });
      case MESSAGE -> {
        Message m = (Message) value;
        String typeName = m.getDescriptorForType().getFullName();
        if (typeName.equals("google.protobuf.Any")) {
          any(field, m, path);
        } else if (typeName.equals("google.protobuf.Duration")) {
          Duration d = m instanceof Duration dd ? dd : Duration.newBuilder().mergeFrom(m).build();
          if (d.getSeconds() < 0 || d.getNanos() < 0) {
            error(ConfigCode.BAD_DURATION, path, "a duration must not be negative, got '" + seconds(d) + "'");
          }
        } else {
          walk(m, path);
        }
      }
      default -> {
        // plain scalars: nothing to check here
      }
    }
  }

  static String seconds(Duration d) {
    return com.google.protobuf.util.Durations.toString(d);
  }

  private void any(FieldDescriptor field, Message message, String path) {
    Any any;
    try {
      any = message instanceof Any a ? a : Any.parseFrom(message.toByteString());
    } catch (InvalidProtocolBufferException e) {
      error(ConfigCode.UNDECODABLE_ANY, path, "typed_config cannot be decoded: " + e.getMessage());
      return;
    }
    if (any.getTypeUrl().isEmpty()) {
      error(ConfigCode.BAD_ANY, path, "typed_config has no type");
      return;
    }
    Optional<Descriptor> type = ApiTypes.forTypeUrl(any.getTypeUrl());
    if (type.isEmpty()) {
      error(ConfigCode.BAD_ANY, path, "unknown or unsupported type '" + any.getTypeUrl() + "'");
      return;
    }
    Optional<SupportedFields.Slot> slot = supported.slot(field, ancestors);
    if (slot.isPresent() && !slot.get().types().contains(type.get().getFullName())) {
      error(ConfigCode.WRONG_SLOT, path, type.get().getFullName() + " does not belong here (expected "
          + (slot.get().types().size() == 1 ? "" : "one of ") + String.join(", ", slot.get().types()) + ")");
      return;
    }
    DynamicMessage inner;
    try {
      inner = DynamicMessage.parseFrom(type.get(), any.getValue());
    } catch (InvalidProtocolBufferException e) {
      error(ConfigCode.UNDECODABLE_ANY, path, "typed_config does not decode as " + type.get().getFullName() + ": "
          + e.getMessage());
      return;
    }
    walk(inner, path);
  }

  private void checkRegex(Message matcher, String path) {
    FieldDescriptor regexField = matcher.getDescriptorForType().findFieldByName("regex");
    String regex = (String) matcher.getField(regexField);
    String regexPath = ProtoJsonReader.child(path, "regex");
    if (regex.isEmpty()) {
      error(ConfigCode.BAD_REGEX, regexPath, "regex is empty");
      return;
    }
    String problem = compileProblem(regex);
    if (problem != null) {
      error(ConfigCode.BAD_REGEX, regexPath, "regex '" + DocumentReader.abbreviate(regex) + "' does not compile: "
          + problem + " (RE2 syntax: no backreferences or lookaround)");
    }
  }

  /** Why {@code regex} does not compile as RE2, or null when it does. */
  static String compileProblem(String regex) {
    if (regex.length() > MAX_REGEX_LENGTH) {
      return "it is longer than " + MAX_REGEX_LENGTH + " characters";
    }
    long size = RegexSize.estimate(regex);
    if (size > MAX_REGEX_PROGRAM) {
      return "it is too large once its repetitions are expanded (about " + (size >= (1L << 40) ? "more than 10^12"
          : String.valueOf(size)) + " instructions; the limit is " + MAX_REGEX_PROGRAM + ")";
    }
    try {
      Pattern.compile(regex);
      return null;
    } catch (PatternSyntaxException e) {
      return e.getDescription() + (e.getPattern() == null || e.getPattern().isEmpty() ? ""
          : " near '" + DocumentReader.abbreviate(e.getPattern()) + "'");
    } catch (RuntimeException | StackOverflowError e) {
      return "RE2J rejected it (" + e.getClass().getSimpleName() + ")";
    }
  }

  private void error(ConfigCode code, String path, String message) {
    errors.add(Diagnostic.at(code.code(), path, message));
  }
}
