package io.trellis.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.trellis.proxy.stream.ResponseFlag;
import io.trellis.proxy.stream.StreamInfo;
import java.net.InetSocketAddress;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogFormatterTest {
  /** 2024-05-01T12:34:56.789Z */
  static final long START = Instant.parse("2024-05-01T12:34:56.789Z").toEpochMilli();

  static StreamInfo full() {
    StreamInfo i = new StreamInfo();
    i.startEpochMillis = START;
    i.startNanos = 1_000_000_000L;
    i.endNanos = i.startNanos + 42_500_000L;
    i.firstUpstreamByteNanos = i.startNanos + 30_000_000L;
    i.protocol = "HTTP/1.1";
    i.method = "GET";
    i.path = "/reviews/1?x=y";
    i.authority = "reviews.local";
    i.requestHeaders = new DefaultHttpHeaders().add("User-Agent", "curl/8.5.0").add("x-request-id", "abc-123")
        .add("x-forwarded-for", "10.0.0.9").add("x-envoy-original-path", "/orig");
    i.responseHeaders = new DefaultHttpHeaders().add("x-envoy-upstream-service-time", "28")
        .add("content-type", "text/plain");
    i.responseTrailers = new DefaultHttpHeaders().add("grpc-status", "0");
    i.responseCode = 200;
    i.responseCodeDetails = "via_upstream";
    i.bytesReceived = 12;
    i.bytesSent = 345;
    i.downstreamRemoteAddress = new InetSocketAddress("192.168.1.5", 50123);
    i.downstreamDirectRemoteAddress = new InetSocketAddress("127.0.0.1", 50123);
    i.downstreamLocalAddress = new InetSocketAddress("127.0.0.1", 10000);
    i.requestedServerName = "reviews.example.com";
    i.routeName = "default";
    i.virtualHostName = "reviews";
    i.upstreamCluster = "backend";
    i.upstreamHost = new InetSocketAddress("::1", 8080);
    i.upstreamLocalAddress = new InetSocketAddress("127.0.0.1", 40000);
    i.upstreamTransportFailureReason = "tls handshake failed";
    i.attemptCount = 2;
    i.connectionTerminationDetails = "idle timeout";
    return i;
  }

  static String text(String format, StreamInfo info) {
    StringBuilder sb = new StringBuilder();
    LogFormatter.text(format).format(info, sb);
    return sb.toString();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "%START_TIME%|2024-05-01T12:34:56.789Z|-",
      "%START_TIME(%Y/%m/%d %H:%M:%S)%|2024/05/01 12:34:56|-",
      "%START_TIME(%s.%3f)%|1714566896.789|-",
      "%START_TIME(%F %T %z %Z %j %a %b %e %p %I)%|2024-05-01 12:34:56 +0000 UTC 122 Wed May  1 PM 12|-",
      "%START_TIME(%E6S)%|56.789000|-",
      "%REQ(:METHOD)%|GET|-",
      "%REQ(:PATH)%|/reviews/1?x=y|-",
      "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%|/orig|-",
      "%REQ(:AUTHORITY)%|reviews.local|-",
      "%REQ(USER-AGENT)%|curl/8.5.0|-",
      "%REQ(USER-AGENT):4%|curl|-",
      "%REQ(X-MISSING?USER-AGENT)%|curl/8.5.0|-",
      "%RESP(CONTENT-TYPE)%|text/plain|-",
      "%RESP(:STATUS)%|200|-",
      "%TRAILER(GRPC-STATUS)%|0|-",
      "%RESPONSE_CODE%|200|0",
      "%RESPONSE_CODE_DETAILS%|via_upstream|-",
      "%RESPONSE_FLAGS%|-|-",
      "%RESPONSE_FLAGS_LONG%|-|-",
      "%BYTES_RECEIVED%|12|0",
      "%BYTES_SENT%|345|0",
      "%DURATION%|42|-",
      "%RESPONSE_DURATION%|30|-",
      "%PROTOCOL%|HTTP/1.1|-",
      "%UPSTREAM_HOST%|[0:0:0:0:0:0:0:1]:8080|-",
      "%UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%|0:0:0:0:0:0:0:1|-",
      "%UPSTREAM_CLUSTER%|backend|-",
      "%UPSTREAM_LOCAL_ADDRESS%|127.0.0.1:40000|-",
      "%UPSTREAM_TRANSPORT_FAILURE_REASON%|tls handshake failed|-",
      "%UPSTREAM_REQUEST_ATTEMPT_COUNT%|2|0",
      "%DOWNSTREAM_REMOTE_ADDRESS%|192.168.1.5:50123|-",
      "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%|192.168.1.5|-",
      "%DOWNSTREAM_REMOTE_PORT%|50123|-",
      "%DOWNSTREAM_LOCAL_ADDRESS%|127.0.0.1:10000|-",
      "%DOWNSTREAM_LOCAL_PORT%|10000|-",
      "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%|127.0.0.1:50123|-",
      "%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%|127.0.0.1|-",
      "%REQUESTED_SERVER_NAME%|reviews.example.com|-",
      "%ROUTE_NAME%|default|-",
      "%VIRTUAL_HOST_NAME%|reviews|-",
      "%CONNECTION_TERMINATION_DETAILS%|idle timeout|-",
      "%TRELLIS_REASON%|-|-",
  })
  void eachOperatorWithAValueAndWithout(String format, String expected, String whenMissing) {
    assertThat(text(format, full())).isEqualTo(expected);
    assertThat(text(format, new StreamInfo())).isEqualTo(whenMissing);
  }

  @Test
  void flagsAndReasons() {
    StreamInfo i = full();
    i.setFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
    i.setFlag(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
    assertThat(text("%RESPONSE_FLAGS% %RESPONSE_FLAGS_LONG%", i))
        .isEqualTo("UH,URX NoHealthyUpstream,UpstreamRetryLimitExceeded");
    assertThat(text("%TRELLIS_REASON%", i)).isEqualTo("no healthy upstream host in the cluster");
    i.failureReason = "cluster 'backend' has no hosts";
    assertThat(text("[%TRELLIS_REASON%]", i)).isEqualTo("[cluster 'backend' has no hosts]");
  }

  @Test
  void hostnameAndEnvironment() {
    assertThat(text("%HOSTNAME%", new StreamInfo())).isNotBlank();
    assertThat(text("%ENVIRONMENT(PATH):3%", new StreamInfo())).hasSize(3);
    assertThat(text("%ENVIRONMENT(TRELLIS_SURELY_UNSET_VAR)%", new StreamInfo())).isEqualTo("-");
  }

  @Test
  void envoysDefaultFormat() {
    assertThat(text(LogFormatter.DEFAULT_FORMAT, full())).isEqualTo("[2024-05-01T12:34:56.789Z] \"GET /orig HTTP/1.1\" "
        + "200 - 12 345 42 28 \"10.0.0.9\" \"curl/8.5.0\" \"abc-123\" \"reviews.local\" \"[0:0:0:0:0:0:0:1]:8080\"\n");
    assertThat(text(LogFormatter.DEFAULT_FORMAT, new StreamInfo()))
        .isEqualTo("[-] \"- - -\" 0 - 0 0 - - \"-\" \"-\" \"-\" \"-\" \"-\"\n");
  }

  @Test
  void literalTextAroundOperatorsIsKept() {
    assertThat(text("code=%RESPONSE_CODE%;cluster=%UPSTREAM_CLUSTER%\n", full()))
        .isEqualTo("code=200;cluster=backend\n");
  }

  @Test
  void omitEmptyValuesPrintsNothingForMissing() {
    StringBuilder sb = new StringBuilder();
    LogFormatter.text("a=%ROUTE_NAME%;b=%RESPONSE_CODE%", true).format(new StreamInfo(), sb);
    assertThat(sb).hasToString("a=;b=0");
  }

  @Test
  void badFormatsAreRejectedWithTheOperatorAndPosition() {
    assertThatThrownBy(() -> LogFormatter.text("x %NOPE% y")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown operator %NOPE%").hasMessageContaining("position 2")
        .hasMessageContaining("RESPONSE_CODE");
    assertThatThrownBy(() -> LogFormatter.text("100% sure")).hasMessageContaining("no valid operator at position 3");
    assertThatThrownBy(() -> LogFormatter.text("%REQ%")).hasMessageContaining("%REQ% needs an argument");
    assertThatThrownBy(() -> LogFormatter.text("%DURATION(x)%")).hasMessageContaining("takes no argument");
    assertThatThrownBy(() -> LogFormatter.text("%START_TIME(%Q)%")).hasMessageContaining("unsupported time "
        + "specifier '%Q'");
    assertThatThrownBy(() -> LogFormatter.text("%REQ(?X)%")).hasMessageContaining("bad header argument");
  }

  @Test
  void jsonFormatIsTypedAndNested() throws Exception {
    Struct.Builder s = Struct.newBuilder();
    JsonFormat.parser().merge("""
        {"code": "%RESPONSE_CODE%", "bytes": "%BYTES_SENT%", "dur": "%DURATION%",
         "method": "%REQ(:METHOD)%", "line": "%REQ(:METHOD)% %REQ(:PATH)%", "ua": "%REQ(USER-AGENT):4%",
         "missing": "%ROUTE_NAME%", "upstream": {"cluster": "%UPSTREAM_CLUSTER%", "host": "%UPSTREAM_HOST%"},
         "const": 7, "flag": true, "nothing": null, "list": ["%PROTOCOL%", 1],
         "quote": "say \\"%REQ(X-REQUEST-ID)%\\"", "epoch": "%START_TIME(%s)%"}
        """, s);
    StringBuilder sb = new StringBuilder();
    StreamInfo info = full();
    info.routeName = "";
    LogFormatter.json(s.build(), false, false).format(info, sb);
    assertThat(sb.toString()).endsWith("}\n");
    JsonNode n = new ObjectMapper().readTree(sb.toString());
    assertThat(n.get("code").isInt()).isTrue();
    assertThat(n.get("code").asInt()).isEqualTo(200);
    assertThat(n.get("bytes").asLong()).isEqualTo(345);
    assertThat(n.get("dur").asLong()).isEqualTo(42);
    assertThat(n.get("method").asText()).isEqualTo("GET");
    assertThat(n.get("line").asText()).isEqualTo("GET /reviews/1?x=y");
    assertThat(n.get("ua").asText()).isEqualTo("curl");
    assertThat(n.get("missing").isNull()).isTrue();
    assertThat(n.get("upstream").get("cluster").asText()).isEqualTo("backend");
    assertThat(n.get("const").asInt()).isEqualTo(7);
    assertThat(n.get("flag").asBoolean()).isTrue();
    assertThat(n.get("nothing").isNull()).isTrue();
    assertThat(n.get("list").get(0).asText()).isEqualTo("HTTP/1.1");
    assertThat(n.get("quote").asText()).isEqualTo("say \"abc-123\"");
    assertThat(n.get("epoch").isNumber()).isTrue();
    assertThat(n.get("epoch").asLong()).isEqualTo(START / 1000);
  }

  @Test
  void jsonOmitEmptyValuesAndSortedKeys() throws Exception {
    Struct.Builder s = Struct.newBuilder();
    JsonFormat.parser().merge("{\"z\": \"%RESPONSE_CODE%\", \"a\": \"%ROUTE_NAME%\", \"m\": \"%PROTOCOL%\"}", s);
    StringBuilder sb = new StringBuilder();
    StreamInfo info = new StreamInfo();
    info.protocol = "HTTP/2";
    info.responseCode = 503;
    LogFormatter.json(s.build(), true, true).format(info, sb);
    assertThat(sb).hasToString("{\"m\":\"HTTP/2\",\"z\":503}\n");
  }

  @Test
  @SuppressWarnings("deprecation") // an unvalidated header map, to carry control characters
  void jsonEscapesControlCharacters() {
    StreamInfo info = new StreamInfo();
    info.requestHeaders = new DefaultHttpHeaders(false).add("x-evil", "a\"b\\c\u0001\u2028");
    Struct s = Struct.newBuilder().putFields("e", com.google.protobuf.Value.newBuilder()
        .setStringValue("%REQ(X-EVIL)%").build()).build();
    StringBuilder sb = new StringBuilder();
    LogFormatter.json(s, false, false).format(info, sb);
    assertThat(sb).hasToString("{\"e\":\"a\\\"b\\\\c\\u0001\\u2028\"}\n");
  }
}
