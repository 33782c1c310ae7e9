package io.trellis.proxy.accesslog;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.netty.util.concurrent.FastThreadLocal;
import io.trellis.common.ConfigException;
import io.trellis.proxy.server.FactoryContext;
import io.trellis.proxy.stats.Counter;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.stream.ResponseFlag;
import io.trellis.proxy.stream.StreamInfo;
import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Builds access logs from {@code access_log[]}: {@code envoy.access_loggers.file} ({@link FileAccessLog}; any path,
 * /dev/stdout included), {@code envoy.access_loggers.stdout} and {@code .stderr}, with Envoy's formats
 * ({@code log_format.text_format}, {@code text_format_source}, {@code json_format}, the legacy {@code format} and
 * {@code json_format} of FileAccessLog, or Envoy's default format) and the common filters (status code, duration,
 * response flags, not health check, and/or).
 *
 * <p>Formats are parsed and files opened here, when config is applied: an unknown operator or an unwritable path is a
 * {@link ConfigException} naming the field. At run time {@link AccessLog#log} formats on the calling event loop into a
 * per-thread reusable builder and hands the line to the one background writer ({@link AccessLogWriter}); a full queue
 * drops the line and counts {@code access_log.dropped}.
 */
public final class AccessLogs {
  private static final String FILE = "envoy.access_loggers.file";
  private static final String STDOUT = "envoy.access_loggers.stdout";
  private static final String STDERR = "envoy.access_loggers.stderr";

  private static final FastThreadLocal<StringBuilder> SCRATCH = new FastThreadLocal<>() {
    @Override
    protected StringBuilder initialValue() {
      return new StringBuilder(512);
    }
  };

  private AccessLogs() {}

  /** One {@link AccessLog} that writes to every configured log; {@link AccessLog#NONE} when the list is empty. */
  public static AccessLog create(List<io.envoyproxy.envoy.config.accesslog.v3.AccessLog> configs, String path,
      FactoryContext context) throws ConfigException {
    if (configs.isEmpty()) {
      return AccessLog.NONE;
    }
    StatsStore stats = context != null && context.stats() != null ? context.stats() : new StatsStore();
    AccessLogWriter.Sink.Counters counters = new AccessLogWriter.Sink.Counters(stats.counter("access_log.dropped"),
        stats.counter("filesystem.write_failed"), stats.counter("filesystem.reopen_failed"),
        stats.counter("filesystem.write_completed"));
    Counter buffered = stats.counter("filesystem.write_buffered");
    List<AccessLog> logs = new ArrayList<>(configs.size());
    for (int i = 0; i < configs.size(); i++) {
      logs.add(one(configs.get(i), path + "[" + i + "]", counters, buffered));
    }
    if (logs.size() == 1) {
      return logs.get(0);
    }
    AccessLog[] all = logs.toArray(new AccessLog[0]);
    return info -> {
      for (AccessLog l : all) {
        l.log(info);
      }
    };
  }

  /** Envoy's POST /reopen_logs: every file access log reopens its path before its next write. */
  public static void reopenAll() {
    AccessLogWriter.INSTANCE.reopenAll();
  }

  private static AccessLog one(io.envoyproxy.envoy.config.accesslog.v3.AccessLog config, String path,
      AccessLogWriter.Sink.Counters counters, Counter buffered) throws ConfigException {
    Predicate<StreamInfo> filter = config.hasFilter() ? filter(config.getFilter(), path + ".filter") : null;
    String kind = kind(config, path);
    Any any = config.getTypedConfig();
    String tcPath = path + ".typed_config";
    LogFormatter formatter;
    AccessLogWriter.Sink sink;
    try {
      switch (kind) {
        case FILE -> {
          FileAccessLog f = config.hasTypedConfig() ? any.unpack(FileAccessLog.class)
              : FileAccessLog.getDefaultInstance();
          formatter = fileFormat(f, tcPath);
          if (f.getPath().isEmpty()) {
            throw ConfigException.of("TRLS0612", tcPath + ".path", "the file access log needs a path");
          }
          try {
            sink = AccessLogWriter.Sink.file(Path.of(f.getPath()), counters);
          } catch (IOException | RuntimeException e) {
            throw ConfigException.of("TRLS0612", tcPath + ".path",
                "cannot open access log file '" + f.getPath() + "' for appending: " + e);
          }
        }
        case STDOUT -> {
          StdoutAccessLog s = config.hasTypedConfig() ? any.unpack(StdoutAccessLog.class)
              : StdoutAccessLog.getDefaultInstance();
          formatter = s.hasLogFormat() ? format(s.getLogFormat(), tcPath + ".log_format") : defaultFormat();
          sink = AccessLogWriter.Sink.stream(FileDescriptor.out, "stdout", counters);
        }
        case STDERR -> {
          StderrAccessLog s = config.hasTypedConfig() ? any.unpack(StderrAccessLog.class)
              : StderrAccessLog.getDefaultInstance();
          formatter = s.hasLogFormat() ? format(s.getLogFormat(), tcPath + ".log_format") : defaultFormat();
          sink = AccessLogWriter.Sink.stream(FileDescriptor.err, "stderr", counters);
        }
        default -> throw new IllegalStateException(kind);
      }
    } catch (InvalidProtocolBufferException e) {
      throw ConfigException.of("TRLS0610", tcPath, "cannot decode " + any.getTypeUrl() + ": " + e.getMessage());
    }
    AccessLogWriter writer = AccessLogWriter.INSTANCE;
    if (!sink.isStream()) {
      writer.register(sink);
    }
    return new FormattedLog(formatter, sink, writer, filter, buffered);
  }

  /** The formatted access log the proxy calls on its event loops. */
  private record FormattedLog(LogFormatter formatter, AccessLogWriter.Sink sink, AccessLogWriter writer,
      Predicate<StreamInfo> filter, Counter buffered) implements AccessLog {
    @Override
    public void log(StreamInfo info) {
      if (filter != null && !filter.test(info)) {
        return;
      }
      StringBuilder sb = SCRATCH.get();
      sb.setLength(0);
      formatter.format(info, sb);
      String line = sb.toString();
      if (sb.capacity() > 64 * 1024) {
        SCRATCH.set(new StringBuilder(512));
      }
      if (writer.offer(sink, line)) {
        buffered.inc();
      }
    }
  }

  private static String kind(io.envoyproxy.envoy.config.accesslog.v3.AccessLog config, String path)
      throws ConfigException {
    if (config.hasTypedConfig()) {
      String url = config.getTypedConfig().getTypeUrl();
      String type = url.substring(url.lastIndexOf('/') + 1);
      if (type.equals(FileAccessLog.getDescriptor().getFullName())) {
        return FILE;
      }
      if (type.equals(StdoutAccessLog.getDescriptor().getFullName())) {
        return STDOUT;
      }
      if (type.equals(StderrAccessLog.getDescriptor().getFullName())) {
        return STDERR;
      }
      throw ConfigException.of("TRLS0610", path + ".typed_config",
          "access logger type '" + url + "' is not supported (supported: "
              + FileAccessLog.getDescriptor().getFullName() + ", " + StdoutAccessLog.getDescriptor().getFullName()
              + ", " + StderrAccessLog.getDescriptor().getFullName() + ")");
    }
    return switch (config.getName()) {
      case FILE, "envoy.file_access_log" -> FILE;
      case STDOUT -> STDOUT;
      case STDERR -> STDERR;
      default -> throw ConfigException.of("TRLS0610", path + ".name",
          "access logger '" + config.getName() + "' is not supported and has no typed_config (supported: " + FILE
              + ", " + STDOUT + ", " + STDERR + ")");
    };
  }

  @SuppressWarnings("deprecation")
  private static LogFormatter fileFormat(FileAccessLog f, String path) throws ConfigException {
    return switch (f.getAccessLogFormatCase()) {
      case FORMAT -> parse(() -> LogFormatter.text(f.getFormat().isEmpty() ? LogFormatter.DEFAULT_FORMAT
          : f.getFormat()), path + ".format");
      case JSON_FORMAT -> parse(() -> LogFormatter.json(f.getJsonFormat(), false, false), path + ".json_format");
      case TYPED_JSON_FORMAT -> parse(() -> LogFormatter.json(f.getTypedJsonFormat(), false, false),
          path + ".typed_json_format");
      case LOG_FORMAT -> format(f.getLogFormat(), path + ".log_format");
      case ACCESSLOGFORMAT_NOT_SET -> defaultFormat();
    };
  }

  private static LogFormatter defaultFormat() {
    return LogFormatter.text(LogFormatter.DEFAULT_FORMAT);
  }

  @SuppressWarnings("deprecation")
  static LogFormatter format(SubstitutionFormatString f, String path) throws ConfigException {
    if (f.getFormattersCount() > 0) {
      throw ConfigException.of("TRLS0611", path + ".formatters",
          "formatter extensions are not supported (use the built-in operators)");
    }
    boolean omit = f.getOmitEmptyValues();
    return switch (f.getFormatCase()) {
      case TEXT_FORMAT -> parse(() -> LogFormatter.text(f.getTextFormat(), omit), path + ".text_format");
      case TEXT_FORMAT_SOURCE -> {
        String text = dataSource(f.getTextFormatSource(), path + ".text_format_source");
        yield parse(() -> LogFormatter.text(text, omit), path + ".text_format_source");
      }
      case JSON_FORMAT -> parse(() -> LogFormatter.json(f.getJsonFormat(), omit,
          f.getJsonFormatOptions().getSortProperties()), path + ".json_format");
      case FORMAT_NOT_SET -> defaultFormat();
    };
  }

  private static String dataSource(DataSource d, String path) throws ConfigException {
    return switch (d.getSpecifierCase()) {
      case INLINE_STRING -> d.getInlineString();
      case INLINE_BYTES -> d.getInlineBytes().toString(StandardCharsets.UTF_8);
      case FILENAME -> {
        try {
          yield Files.readString(Path.of(d.getFilename()));
        } catch (IOException | RuntimeException e) {
          throw ConfigException.of("TRLS0611", path + ".filename", "cannot read format file '" + d.getFilename()
              + "': " + e);
        }
      }
      case ENVIRONMENT_VARIABLE -> {
        String v = System.getenv(d.getEnvironmentVariable());
        if (v == null) {
          throw ConfigException.of("TRLS0611", path + ".environment_variable",
              "environment variable '" + d.getEnvironmentVariable() + "' is not set");
        }
        yield v;
      }
      default -> throw ConfigException.of("TRLS0611", path, "data source " + d.getSpecifierCase()
          + " is not supported (supported: inline_string, inline_bytes, filename, environment_variable)");
    };
  }

  private interface FormatterSupplier {
    LogFormatter get();
  }

  private static LogFormatter parse(FormatterSupplier s, String path) throws ConfigException {
    try {
      return s.get();
    } catch (IllegalArgumentException e) {
      throw ConfigException.of("TRLS0611", path, e.getMessage());
    }
  }

  /** Envoy's access log filters that Trellis implements; any other is rejected with its path. */
  static Predicate<StreamInfo> filter(AccessLogFilter f, String path) throws ConfigException {
    switch (f.getFilterSpecifierCase()) {
      case STATUS_CODE_FILTER -> {
        Predicate<Long> cmp = comparison(f.getStatusCodeFilter().getComparison(), path + ".status_code_filter");
        return info -> cmp.test((long) info.responseCode);
      }
      case DURATION_FILTER -> {
        Predicate<Long> cmp = comparison(f.getDurationFilter().getComparison(), path + ".duration_filter");
        return info -> cmp.test(info.durationMillis(System.nanoTime()));
      }
      case NOT_HEALTH_CHECK_FILTER -> {
        // Trellis has no health_check HTTP filter yet, so no request is a health check request.
        return info -> true;
      }
      case RESPONSE_FLAG_FILTER -> {
        Map<String, ResponseFlag> byCode = Arrays.stream(ResponseFlag.values())
            .collect(Collectors.toMap(ResponseFlag::code, x -> x));
        Set<ResponseFlag> wanted = EnumSet.noneOf(ResponseFlag.class);
        List<String> flags = f.getResponseFlagFilter().getFlagsList();
        for (int i = 0; i < flags.size(); i++) {
          ResponseFlag rf = byCode.get(flags.get(i));
          if (rf == null) {
            throw ConfigException.of("TRLS0613", path + ".response_flag_filter.flags[" + i + "]",
                "unknown response flag '" + flags.get(i) + "' (supported: " + String.join(", ", byCode.keySet())
                    + ")");
          }
          wanted.add(rf);
        }
        if (wanted.isEmpty()) {
          return info -> !info.flags().isEmpty();
        }
        return info -> {
          for (ResponseFlag rf : info.flags()) {
            if (wanted.contains(rf)) {
              return true;
            }
          }
          return false;
        };
      }
      case AND_FILTER -> {
        List<Predicate<StreamInfo>> all = new ArrayList<>();
        for (int i = 0; i < f.getAndFilter().getFiltersCount(); i++) {
          all.add(filter(f.getAndFilter().getFilters(i), path + ".and_filter.filters[" + i + "]"));
        }
        return info -> all.stream().allMatch(p -> p.test(info));
      }
      case OR_FILTER -> {
        List<Predicate<StreamInfo>> any = new ArrayList<>();
        for (int i = 0; i < f.getOrFilter().getFiltersCount(); i++) {
          any.add(filter(f.getOrFilter().getFilters(i), path + ".or_filter.filters[" + i + "]"));
        }
        return info -> any.stream().anyMatch(p -> p.test(info));
      }
      default -> throw ConfigException.of("TRLS0613", path, "access log filter "
          + f.getFilterSpecifierCase().name().toLowerCase() + " is not supported (supported: status_code_filter, "
          + "duration_filter, response_flag_filter, not_health_check_filter, and_filter, or_filter)");
    }
  }

  private static Predicate<Long> comparison(ComparisonFilter c, String path) throws ConfigException {
    // Trellis has no runtime layer: value.default_value always applies and value.runtime_key is not consulted
    // (Envoy configs set a runtime_key routinely; documented in docs/access-logs.md).
    long v = c.getValue().getDefaultValue() & 0xFFFFFFFFL;
    return switch (c.getOp()) {
      case EQ -> x -> x == v;
      case GE -> x -> x >= v;
      case LE -> x -> x <= v;
      default -> throw ConfigException.of("TRLS0613", path + ".comparison.op", "unsupported op " + c.getOp());
    };
  }
}
