package io.trellis.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md carries two generated sections: the diagnostic codes ({@link ConfigCode}) and what is supported
 * (the allowlist files). This test fails when either is stale; run it with {@code -Dtrellis.updateDocs=true} to
 * rewrite them in place.
 */
class ConfigDocTest {
  static final Path DOC = Path.of("").toAbsolutePath().getParent().resolve("docs/configuration.md");

  static String codes() {
    StringBuilder sb = new StringBuilder("| Code | Meaning |\n| --- | --- |\n");
    for (ConfigCode c : ConfigCode.values()) {
      sb.append("| ").append(c.code()).append(" | ").append(c.meaning()).append(" |\n");
    }
    return sb.toString();
  }

  static String supported() {
    SupportedFields s = SupportedFields.get();
    StringBuilder sb = new StringBuilder();
    for (String area : SupportedFields.AREAS) {
      sb.append("#### ").append(area).append(" (`supported/").append(area).append(".txt`)\n\n");
      sb.append("| Message | Supported fields |\n| --- | --- |\n");
      s.messages().values().stream().filter(e -> e.area().equals(area)).forEach(e -> sb.append("| `")
          .append(e.type().getFullName()).append("` | ")
          .append(e.all() ? "all" : e.fields().isEmpty() ? "none (an empty `{}` is fine)" : String.join(", ",
              e.fields()))
          .append(" |\n"));
      List<String> values = s.allValues().entrySet().stream().filter(e -> s.areaOf(e.getKey()).equals(area))
          .map(e -> "- `" + e.getKey() + "`: only " + String.join(", ", e.getValue())).toList();
      List<String> notes = s.allNotes().entrySet().stream().filter(e -> s.areaOf(e.getKey()).equals(area))
          .map(e -> "- `" + e.getKey() + "` is not supported: " + e.getValue()).toList();
      if (!values.isEmpty() || !notes.isEmpty()) {
        sb.append('\n').append(String.join("\n", values)).append(values.isEmpty() || notes.isEmpty() ? "" : "\n")
            .append(String.join("\n", notes)).append('\n');
      }
      sb.append('\n');
    }
    sb.append("#### Where each typed_config type may appear (`slots.txt`)\n\n| Field | Types |\n| --- | --- |\n");
    for (SupportedFields.Slot slot : s.slots()) {
      sb.append("| `").append(slot.anyField()).append('`')
          .append(slot.ancestor().isEmpty() ? "" : " in `" + slot.ancestor() + "`").append(" | ")
          .append(slot.types().stream().map(t -> "`" + t + "`").collect(Collectors.joining(", "))).append(" |\n");
    }
    return sb.toString();
  }

  static String replaceSection(String doc, String name, String body) {
    String begin = "<!-- BEGIN GENERATED " + name + " -->\n";
    String end = "<!-- END GENERATED " + name + " -->";
    int b = doc.indexOf(begin);
    int e = doc.indexOf(end);
    if (b < 0 || e < b) {
      throw new AssertionError("docs/configuration.md lacks the markers for the generated section " + name);
    }
    return doc.substring(0, b + begin.length()) + body + doc.substring(e);
  }

  @Test
  void generatedSectionsAreCurrent() throws Exception {
    String doc = Files.readString(DOC);
    String fresh = doc;
    for (Map.Entry<String, String> section : Map.of("codes", codes(), "supported", supported()).entrySet()) {
      fresh = replaceSection(fresh, section.getKey(), section.getValue());
    }
    if (Boolean.getBoolean("trellis.updateDocs")) {
      Files.writeString(DOC, fresh);
    }
    assertThat(doc).as("docs/configuration.md is stale (an allowlist file under supported/, slots.txt or ConfigCode "
        + "changed). Regenerate it and commit it: ./mvnw -pl proxy -am test -Dsurefire.failIfNoSpecifiedTests=false "
        + "-Dtest=ConfigDocTest -Dtrellis.updateDocs=true").isEqualTo(fresh);
  }
}
