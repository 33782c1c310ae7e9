package io.trellis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.proxy.config.BootstrapLoader;
import io.trellis.proxy.config.BootstrapValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every bootstrap in examples/ (the README's tour) loads and validates as it is. */
class ExamplesTest {
  @Test
  void everyExampleIsValid() throws Exception {
    Path dir = Path.of("..", "examples");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError("examples/ not found from " + Path.of("").toAbsolutePath(), e);
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(3);
    for (Path f : files) {
      BootstrapValidator.validate(BootstrapLoader.load(f), f.toString());
    }
    System.out.println("examples: " + files.size() + " bootstrap files valid");
  }
}
