package io.trellis.proxy.accesslog;

import io.netty.handler.codec.http.HttpHeaders;
import io.trellis.proxy.stream.ResponseFlag;
import io.trellis.proxy.stream.StreamInfo;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/** Builds {@link Operator}s from Envoy's command names. */
final class Operators {
  /** Every operator name Trellis supports, for error messages and docs. */
  static final List<String> SUPPORTED = List.of("START_TIME", "REQ", "RESP", "TRAILER", "RESPONSE_CODE",
      "RESPONSE_CODE_DETAILS", "RESPONSE_FLAGS", "RESPONSE_FLAGS_LONG", "BYTES_RECEIVED", "BYTES_SENT", "DURATION",
      "RESPONSE_DURATION", "PROTOCOL", "UPSTREAM_HOST", "UPSTREAM_CLUSTER", "UPSTREAM_LOCAL_ADDRESS",
      "UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT", "UPSTREAM_REMOTE_ADDRESS", "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT",
      "UPSTREAM_TRANSPORT_FAILURE_REASON", "UPSTREAM_REQUEST_ATTEMPT_COUNT", "DOWNSTREAM_REMOTE_ADDRESS",
      "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_REMOTE_PORT", "DOWNSTREAM_LOCAL_ADDRESS",
      "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT", "DOWNSTREAM_LOCAL_PORT", "DOWNSTREAM_DIRECT_REMOTE_ADDRESS",
      "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT", "REQUESTED_SERVER_NAME", "ROUTE_NAME", "VIRTUAL_HOST_NAME",
      "HOSTNAME", "ENVIRONMENT", "CONNECTION_TERMINATION_DETAILS", "TRELLIS_REASON");

  private static final String HOSTNAME = hostname();

  private Operators() {}

  /**
   * The operator for {@code name} with its argument (null when there was no {@code (...)}), or throws
   * IllegalArgumentException saying what is wrong.
   */
  static Operator create(String name, String arg) {
    boolean takesArg = switch (name) {
      case "REQ", "RESP", "TRAILER", "ENVIRONMENT" -> true;
      case "START_TIME" -> false;
      default -> false;
    };
    if (takesArg && (arg == null || arg.isEmpty())) {
      throw new IllegalArgumentException("%" + name + "% needs an argument, e.g. %" + name + "(X)%");
    }
    if (!takesArg && arg != null && !name.equals("START_TIME")) {
      throw new IllegalArgumentException("%" + name + "% takes no argument (found '(" + arg + ")')");
    }
    return switch (name) {
      case "START_TIME" -> startTime(arg);
      case "REQ" -> headers(arg, true);
      case "RESP" -> headers(arg, false);
      case "TRAILER" -> header(arg, i -> i.responseTrailers);
      case "ENVIRONMENT" -> constant(System.getenv(arg));
      case "HOSTNAME" -> constant(HOSTNAME);
      case "RESPONSE_CODE" -> numeric(i -> i.responseCode);
      case "RESPONSE_CODE_DETAILS" -> string(i -> i.responseCodeDetails);
      case "RESPONSE_FLAGS" -> string(StreamInfo::flagsString);
      case "RESPONSE_FLAGS_LONG" -> string(Operators::longFlags);
      case "BYTES_RECEIVED" -> numeric(i -> i.bytesReceived);
      case "BYTES_SENT" -> numeric(i -> i.bytesSent);
      case "DURATION" -> numeric(i -> i.startNanos == 0 && i.endNanos == 0 ? Long.MIN_VALUE
          : i.durationMillis(System.nanoTime()));
      case "RESPONSE_DURATION" -> numeric(i -> i.firstUpstreamByteNanos == 0 ? Long.MIN_VALUE
          : (i.firstUpstreamByteNanos - i.startNanos) / 1_000_000L);
      case "UPSTREAM_REQUEST_ATTEMPT_COUNT" -> numeric(i -> i.attemptCount);
      case "PROTOCOL" -> string(i -> i.protocol);
      case "UPSTREAM_HOST", "UPSTREAM_REMOTE_ADDRESS" -> address(i -> i.upstreamHost, true);
      case "UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" -> address(i -> i.upstreamHost, false);
      case "UPSTREAM_CLUSTER" -> string(i -> i.upstreamCluster);
      case "UPSTREAM_LOCAL_ADDRESS" -> address(i -> i.upstreamLocalAddress, true);
      case "UPSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" -> address(i -> i.upstreamLocalAddress, false);
      case "UPSTREAM_TRANSPORT_FAILURE_REASON" -> string(i -> i.upstreamTransportFailureReason);
      case "DOWNSTREAM_REMOTE_ADDRESS" -> address(i -> i.downstreamRemoteAddress, true);
      case "DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT" -> address(i -> i.downstreamRemoteAddress, false);
      case "DOWNSTREAM_REMOTE_PORT" -> port(i -> i.downstreamRemoteAddress);
      case "DOWNSTREAM_LOCAL_ADDRESS" -> address(i -> i.downstreamLocalAddress, true);
      case "DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT" -> address(i -> i.downstreamLocalAddress, false);
      case "DOWNSTREAM_LOCAL_PORT" -> port(i -> i.downstreamLocalAddress);
      case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS" -> address(i -> i.downstreamDirectRemoteAddress, true);
      case "DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT" -> address(i -> i.downstreamDirectRemoteAddress, false);
      case "REQUESTED_SERVER_NAME" -> string(i -> i.requestedServerName);
      case "ROUTE_NAME" -> string(i -> i.routeName);
      case "VIRTUAL_HOST_NAME" -> string(i -> i.virtualHostName);
      case "CONNECTION_TERMINATION_DETAILS" -> string(i -> i.connectionTerminationDetails);
      case "TRELLIS_REASON" -> string(Operators::reason);
      default -> throw new IllegalArgumentException("unknown operator %" + name + "% (supported: "
          + String.join(", ", SUPPORTED) + ")");
    };
  }

  /** The human reason: StreamInfo.failureReason, else the reason of the first response flag, else missing. */
  static String reason(StreamInfo i) {
    if (!i.failureReason.isEmpty()) {
      return i.failureReason;
    }
    for (ResponseFlag f : i.flags()) {
      return f.reason();
    }
    return null;
  }

  private static String longFlags(StreamInfo i) {
    if (i.flags().isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    for (ResponseFlag f : i.flags()) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      sb.append(f.longName());
    }
    return sb.toString();
  }

  private static Operator startTime(String arg) {
    StartTimeFormat f = StartTimeFormat.parse(arg == null || arg.isEmpty() ? StartTimeFormat.DEFAULT : arg);
    boolean epochOnly = "%s".equals(arg);
    return new Operator() {
      @Override
      String value(StreamInfo info) {
        return info.startEpochMillis == 0 ? null : f.format(info.startEpochMillis);
      }

      @Override
      void appendJson(StreamInfo info, StringBuilder sb) {
        if (epochOnly && info.startEpochMillis != 0) {
          sb.append(Math.floorDiv(info.startEpochMillis, 1000)); // Envoy emits %s as a number in JSON
        } else {
          super.appendJson(info, sb);
        }
      }
    };
  }

  /** {@code X?Y}: header X, or Y when X is absent. */
  private static Operator headers(String arg, boolean request) {
    int q = arg.indexOf('?');
    String main = q < 0 ? arg : arg.substring(0, q);
    String alt = q < 0 ? null : arg.substring(q + 1);
    if (main.isEmpty() || (alt != null && alt.isEmpty())) {
      throw new IllegalArgumentException("bad header argument '" + arg + "' (expected NAME or NAME?ALTERNATIVE)");
    }
    Function<StreamInfo, String> first = request ? requestHeader(main) : responseHeader(main);
    Function<StreamInfo, String> second = alt == null ? null : request ? requestHeader(alt) : responseHeader(alt);
    return string(i -> {
      String v = first.apply(i);
      return v == null && second != null ? second.apply(i) : v;
    });
  }

  private static Function<StreamInfo, String> requestHeader(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return switch (lower) {
      case ":method" -> i -> i.method;
      case ":path" -> i -> i.path;
      case ":authority", "host" -> i -> !i.authority.isEmpty() ? i.authority
          : i.requestHeaders == null ? null : i.requestHeaders.get("host");
      case ":scheme" -> i -> i.requestHeaders == null ? null
          : first(i.requestHeaders.get(":scheme"), i.requestHeaders.get("x-forwarded-proto"));
      default -> i -> i.requestHeaders == null ? null : i.requestHeaders.get(lower);
    };
  }

  private static Function<StreamInfo, String> responseHeader(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.equals(":status")) {
      return i -> i.responseCode == 0 ? null : Integer.toString(i.responseCode);
    }
    return i -> i.responseHeaders == null ? null : i.responseHeaders.get(lower);
  }

  private static String first(String a, String b) {
    return a != null ? a : b;
  }

  private static Operator header(String name, Function<StreamInfo, HttpHeaders> headers) {
    String lower = name.toLowerCase(Locale.ROOT);
    return string(i -> {
      HttpHeaders h = headers.apply(i);
      return h == null ? null : h.get(lower);
    });
  }

  private static Operator constant(String v) {
    return new Operator() {
      @Override
      String value(StreamInfo info) {
        return v;
      }
    };
  }

  /** An empty string counts as missing ("-"), as Envoy prints unset StreamInfo fields. */
  private static Operator string(Function<StreamInfo, String> f) {
    return new Operator() {
      @Override
      String value(StreamInfo info) {
        String v = f.apply(info);
        return v == null || v.isEmpty() ? null : v;
      }
    };
  }

  private static Operator numeric(ToLongFunction<StreamInfo> f) {
    return new Operator.Numeric() {
      @Override
      long number(StreamInfo info) {
        return f.applyAsLong(info);
      }
    };
  }

  private static Operator address(Function<StreamInfo, SocketAddress> f, boolean withPort) {
    return string(i -> withPort ? Addresses.withPort(f.apply(i)) : Addresses.withoutPort(f.apply(i)));
  }

  private static Operator port(Function<StreamInfo, SocketAddress> f) {
    return numeric(i -> {
      int p = Addresses.port(f.apply(i));
      return p < 0 ? Long.MIN_VALUE : p;
    });
  }

  private static String hostname() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isEmpty()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
