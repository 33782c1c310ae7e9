package io.trellis.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The allowlist files are consistent: complete where the walk needs them, and in step with the code. */
class SupportedFieldsTest {
  private final SupportedFields supported = SupportedFields.get();

  @Test
  void everyAreaFileIsLoadedAndEveryLoadedAreaHasAFile() throws Exception {
    Path dir = Path.of(SupportedFields.class.getResource("supported").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".txt"))
          .map(n -> n.substring(0, n.length() - 4)))
          .as("supported/*.txt files must match SupportedFields.AREAS")
          .containsExactlyInAnyOrderElementsOf(SupportedFields.AREAS);
    }
  }

  @Test
  void everyMessageReachedThroughASupportedFieldIsListed() {
    List<String> missing = new ArrayList<>();
    for (SupportedFields.MessageEntry entry : supported.messages().values()) {
      for (FieldDescriptor f : entry.type().getFields()) {
        if (!entry.supports(f.getName()) || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
          continue;
        }
        Descriptor target = f.isMapField() ? valueType(f) : f.getMessageType();
        if (target == null || ProtoJsonReader.WellKnown.isWellKnown(target)) {
          continue;
        }
        if (supported.message(target).isEmpty()) {
          missing.add(SupportedFields.key(f) + " -> " + target.getFullName());
        }
      }
    }
    assertThat(missing).as("supported fields leading to messages that no area file lists").isEmpty();
  }

  private static Descriptor valueType(FieldDescriptor mapField) {
    FieldDescriptor value = mapField.getMessageType().findFieldByName("value");
    return value.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? value.getMessageType() : null;
  }

  @Test
  void everySupportedTypedConfigFieldHasASlot() {
    List<String> missing = new ArrayList<>();
    for (SupportedFields.MessageEntry entry : supported.messages().values()) {
      for (FieldDescriptor f : entry.type().getFields()) {
        Descriptor target = f.isMapField() ? valueType(f)
            : f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType() : null;
        if (entry.supports(f.getName()) && target != null && target.getFullName().equals("google.protobuf.Any")
            && supported.slots().stream().noneMatch(s -> s.anyField().equals(SupportedFields.key(f)))) {
          missing.add(SupportedFields.key(f));
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void everySupportedExtensionTypeIsListed() {
    for (Descriptor d : io.trellis.api.ApiTypes.SUPPORTED_EXTENSIONS) {
      assertThat(supported.message(d)).as(d.getFullName()).isPresent();
    }
  }

  @Test
  void enumAllowlistsFromTheBrief() {
    var cluster = io.envoyproxy.envoy.config.cluster.v3.Cluster.getDescriptor();
    assertThat(supported.values(cluster.findFieldByName("type"))).contains(
        List.of("STATIC", "STRICT_DNS", "LOGICAL_DNS"));
    assertThat(supported.values(cluster.findFieldByName("lb_policy"))).contains(List.of("ROUND_ROBIN"));
    assertThat(supported.note(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.getDescriptor()
        .findFieldByName("dynamic_resources"))).get().asString().contains("xDS comes with the control-plane work");
  }
}
