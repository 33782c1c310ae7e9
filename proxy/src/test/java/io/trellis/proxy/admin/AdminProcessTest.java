package io.trellis.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.JvmProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin server of a real proxy process: /quitquitquit ends the process, and its access log line is on disk. */
class AdminProcessTest {
  @Test
  void quitquitquitExitsTheProcessWithItsAccessLogWritten(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("admin-access.log");
    Path config = dir.resolve("admin.yaml");
    Files.writeString(config, """
        node: {id: proc-1}
        admin:
          address: {socket_address: {address: 127.0.0.1, port_value: 9}}
          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: %s
              log_format: {text_format: "%%REQ(:METHOD)%% %%REQ(:PATH)%% %%RESPONSE_CODE%%\\n"}
        """.formatted(log));
    try (JvmProcess p = JvmProcess.start(AdminProcessMain.class.getName(), List.of(config.toString()))) {
      String line = p.awaitOutput(l -> l.startsWith("ADMIN-PORT "), Duration.ofSeconds(60));
      assertThat(line).as("stdout: %s\nstderr: %s", p.stdout(), p.stderr()).isNotNull();
      int port = Integer.parseInt(line.substring("ADMIN-PORT ".length()).trim());
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.body()).isEqualTo("LIVE\n");
      HttpResponse<String> quit = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/quitquitquit")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(quit.statusCode()).isEqualTo(200);
      assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
      assertThat(p.stdout()).contains("STOPPED");
    }
    assertThat(Files.readAllLines(log)).containsExactly("GET /ready 200", "POST /quitquitquit 200");
  }
}
