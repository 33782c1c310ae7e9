package io.trellis.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ResponseFlagFilter;
import io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeUInt32;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.trellis.api.ApiTypes;
import io.trellis.common.ConfigException;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.stream.ResponseFlag;
import io.trellis.proxy.stream.StreamInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("deprecation") // the deprecated Envoy fields (format, text_format) are supported and tested
class AccessLogsTest {
  @TempDir
  Path dir;

  private final StatsStore stats = new StatsStore();
  private final FactoryContext ctx = new FactoryContext(stats, null, null, null, null, null);

  static AccessLog file(Path path, SubstitutionFormatString format) {
    FileAccessLog.Builder f = FileAccessLog.newBuilder().setPath(path.toString());
    if (format != null) {
      f.setLogFormat(format);
    }
    return AccessLog.newBuilder().setName("envoy.access_loggers.file").setTypedConfig(Any.pack(f.build())).build();
  }

  static StreamInfo info(int code, String path) {
    StreamInfo i = new StreamInfo();
    i.startEpochMillis = System.currentTimeMillis();
    i.startNanos = System.nanoTime();
    i.endNanos = i.startNanos + 3_000_000;
    i.method = "GET";
    i.path = path;
    i.protocol = "HTTP/1.1";
    i.responseCode = code;
    return i;
  }

  private static List<String> lines(Path p) throws Exception {
    return Files.exists(p) ? Files.readAllLines(p) : List.of();
  }

  @Test
  void backgroundWriterAppendsEveryLineInOrder() throws Exception {
    Path log = dir.resolve("access.log");
    io.trellis.proxy.accesslog.AccessLog al = AccessLogs.create(List.of(file(log, SubstitutionFormatString
        .newBuilder().setTextFormatSource(DataSource.newBuilder().setInlineString("%RESPONSE_CODE% %REQ(:PATH)%\n"))
        .build())), "static_resources.listeners[0].access_log", ctx);
    assertThat(Files.exists(log)).as("opened when config is applied").isTrue();
    for (int n = 0; n < 500; n++) {
      al.log(info(200, "/r/" + n));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(log).size() == 500);
    List<String> lines = lines(log);
    for (int n = 0; n < 500; n++) {
      assertThat(lines.get(n)).isEqualTo("200 /r/" + n);
    }
    assertThat(stats.counter("filesystem.write_buffered").value()).isEqualTo(500);
    assertThat(stats.counter("access_log.dropped").value()).isZero();
    System.out.println("access log: 500 lines written by the background writer in "
        + stats.counter("filesystem.write_completed").value() + " flushes");
  }

  @Test
  void defaultFormatWhenNoneGivenAndLegacyFormatString() throws Exception {
    Path a = dir.resolve("default.log");
    Path b = dir.resolve("legacy.log");
    io.trellis.proxy.accesslog.AccessLog al = AccessLogs.create(List.of(file(a, null),
        AccessLog.newBuilder().setName("envoy.access_loggers.file").setTypedConfig(Any.pack(FileAccessLog
            .newBuilder().setPath(b.toString()).setFormat("legacy %RESPONSE_CODE%\n").build())).build()), "x", ctx);
    al.log(info(404, "/missing"));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(a).size() == 1 && lines(b).size() == 1);
    assertThat(lines(a).get(0))
        .matches("\\[.+Z] \"GET /missing HTTP/1.1\" 404 - 0 0 3 - \"-\" \"-\" \"-\" \"-\" \"-\"");
    assertThat(lines(b)).containsExactly("legacy 404");
  }

  @Test
  void jsonFormatFromYamlConfig() throws Exception {
    Path log = dir.resolve("json.log");
    AccessLog.Builder cfg = AccessLog.newBuilder();
    JsonFormat.parser().usingTypeRegistry(ApiTypes.typeRegistry()).merge("""
        {"name": "envoy.access_loggers.file", "typed_config": {
          "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
          "path": "%s",
          "log_format": {"json_format": {"status": "%%RESPONSE_CODE%%", "req": {"path": "%%REQ(:PATH)%%"}}}}}
        """.formatted(log), cfg);
    AccessLogs.create(List.of(cfg.build()), "x", ctx).log(info(201, "/made"));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(log).size() == 1);
    assertThat(lines(log).get(0)).isEqualTo("{\"status\":201,\"req\":{\"path\":\"/made\"}}");
  }

  @Test
  void filtersChooseWhatIsLogged() throws Exception {
    Path log = dir.resolve("filtered.log");
    AccessLog cfg = file(log, SubstitutionFormatString.newBuilder().setTextFormat("%RESPONSE_CODE%\n").build())
        .toBuilder().setFilter(AccessLogFilter.newBuilder().setOrFilter(
            io.envoyproxy.envoy.config.accesslog.v3.OrFilter.newBuilder()
                .addFilters(AccessLogFilter.newBuilder().setStatusCodeFilter(StatusCodeFilter.newBuilder()
                    .setComparison(ComparisonFilter.newBuilder().setOp(ComparisonFilter.Op.GE)
                        .setValue(RuntimeUInt32.newBuilder().setDefaultValue(500).setRuntimeKey("k")))))
                .addFilters(AccessLogFilter.newBuilder().setResponseFlagFilter(
                    ResponseFlagFilter.newBuilder().addFlags("NR"))))).build();
    io.trellis.proxy.accesslog.AccessLog al = AccessLogs.create(List.of(cfg), "x", ctx);
    al.log(info(200, "/"));
    StreamInfo noRoute = info(404, "/");
    noRoute.setFlag(ResponseFlag.NO_ROUTE_FOUND);
    al.log(noRoute);
    al.log(info(404, "/"));
    al.log(info(503, "/"));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(log).size() == 2);
    assertThat(lines(log)).containsExactly("404", "503");
  }

  @Test
  void reopenLogsWritesToANewFileAfterRotation() throws Exception {
    Path log = dir.resolve("rotate.log");
    Path rotated = dir.resolve("rotate.log.1");
    io.trellis.proxy.accesslog.AccessLog al = AccessLogs.create(List.of(file(log,
        SubstitutionFormatString.newBuilder().setTextFormat("%REQ(:PATH)%\n").build())), "x", ctx);
    al.log(info(200, "/before"));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(log).size() == 1);
    Files.move(log, rotated);
    AccessLogs.reopenAll();
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log));
    al.log(info(200, "/after"));
    await().atMost(Duration.ofSeconds(10)).until(() -> lines(log).size() == 1);
    assertThat(lines(rotated)).containsExactly("/before");
    assertThat(lines(log)).containsExactly("/after");
  }

  @Test
  void fullQueueDropsAndCounts() throws Exception {
    AccessLogWriter stalled = new AccessLogWriter(2, false);
    AccessLogWriter.Sink sink = AccessLogWriter.Sink.file(dir.resolve("q.log"), new AccessLogWriter.Sink.Counters(
        stats.counter("access_log.dropped"), stats.counter("w.f"), stats.counter("r.f"), stats.counter("w.c")));
    assertThat(stalled.offer(sink, "a\n")).isTrue();
    assertThat(stalled.offer(sink, "b\n")).isTrue();
    assertThat(stalled.offer(sink, "c\n")).isFalse();
    assertThat(stats.counter("access_log.dropped").value()).isEqualTo(1);
  }

  @Test
  void stdoutLoggerBuilds() throws Exception {
    AccessLog cfg = AccessLog.newBuilder().setName("envoy.access_loggers.stdout")
        .setTypedConfig(Any.pack(StdoutAccessLog.getDefaultInstance())).build();
    assertThat(AccessLogs.create(List.of(cfg), "x", ctx)).isNotSameAs(io.trellis.proxy.accesslog.AccessLog.NONE);
    assertThat(AccessLogs.create(List.of(), "x", ctx)).isSameAs(io.trellis.proxy.accesslog.AccessLog.NONE);
  }

  @Test
  void configErrorsNameTheField() {
    assertThatThrownBy(() -> AccessLogs.create(List.of(file(Path.of("/nonexistent-dir/x/access.log"), null)),
        "static_resources.listeners[0].access_log", ctx))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("static_resources.listeners[0].access_log[0].typed_config.path: cannot open access log "
            + "file '/nonexistent-dir/x/access.log'");
    assertThatThrownBy(() -> AccessLogs.create(List.of(file(dir.resolve("ok.log"),
        SubstitutionFormatString.newBuilder().setTextFormat("%RESPONSE_CODE% %BOGUS%").build())), "hcm.access_log",
        ctx))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("hcm.access_log[0].typed_config.log_format.text_format: unknown operator %BOGUS%");
    assertThatThrownBy(() -> AccessLogs.create(List.of(AccessLog.newBuilder().setName("envoy.access_loggers.grpc")
        .build()), "a", ctx))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("a[0].name: access logger 'envoy.access_loggers.grpc' is not supported");
    assertThatThrownBy(() -> AccessLogs.create(List.of(file(dir.resolve("f.log"), null).toBuilder()
        .setFilter(AccessLogFilter.newBuilder().setTraceableFilter(
            io.envoyproxy.envoy.config.accesslog.v3.TraceableFilter.getDefaultInstance())).build()), "a", ctx))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("a[0].filter: access log filter traceable_filter is not supported");
    assertThatThrownBy(() -> AccessLogs.create(List.of(file(dir.resolve("g.log"), null).toBuilder()
        .setFilter(AccessLogFilter.newBuilder().setResponseFlagFilter(ResponseFlagFilter.newBuilder()
            .addFlags("XX"))).build()), "a", ctx))
        .hasMessageContaining("a[0].filter.response_flag_filter.flags[0]: unknown response flag 'XX'");
  }
}
