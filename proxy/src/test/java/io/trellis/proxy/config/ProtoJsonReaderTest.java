package io.trellis.proxy.config;

import static io.trellis.proxy.config.ConfigAssertions.parseErrors;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.trellis.common.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProtoJsonReaderTest {
  private static Bootstrap parse(String yaml) throws ConfigException {
    return BootstrapLoader.parse(yaml, "t.yaml");
  }

  private static String cluster(String fields) {
    return "static_resources:\n  clusters:\n  - name: backend\n" + fields.indent(4);
  }

  @Test
  void readsSnakeAndCamelCaseNames() throws Exception {
    Bootstrap b = parse("""
        staticResources:
          clusters:
          - name: a
            connectTimeout: 0.25s
            per_connection_buffer_limit_bytes: 32768
        """);
    Cluster c = b.getStaticResources().getClusters(0);
    assertThat(Durations.toMillis(c.getConnectTimeout())).isEqualTo(250);
    assertThat(c.getPerConnectionBufferLimitBytes().getValue()).isEqualTo(32768);
  }

  @Test
  void unknownFieldNamesPathAndSuggests() {
    assertThat(parseErrors(cluster("conect_timeout: 1s"))).containsExactly(
        "t.yaml: static_resources.clusters[0].conect_timeout: unknown field 'conect_timeout' in "
            + "envoy.config.cluster.v3.Cluster (did you mean 'connect_timeout'?) [TRLS0010]");
  }

  @Test
  void unknownFieldWithoutCloseNameListsFieldsOfSmallMessages() {
    assertThat(parseErrors("node: {id: a, bogus: 1}")).containsExactly(
        "t.yaml: node.bogus: unknown field 'bogus' in envoy.config.core.v3.Node (fields: id, cluster, metadata, "
            + "dynamic_parameters, locality, user_agent_name, user_agent_version, user_agent_build_version, "
            + "extensions, client_features, listening_addresses) [TRLS0010]");
  }

  @Test
  void enumByNameOrNumberAndBadEnumListsValues() throws Exception {
    assertThat(parse(cluster("type: STRICT_DNS")).getStaticResources().getClusters(0).getType())
        .isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(parse(cluster("type: 2")).getStaticResources().getClusters(0).getType())
        .isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    assertThat(parseErrors(cluster("type: FOO"))).containsExactly(
        "t.yaml: static_resources.clusters[0].type: value 'FOO' is not a valid envoy.config.cluster.v3.Cluster."
            + "DiscoveryType (expected one of STATIC, STRICT_DNS, LOGICAL_DNS, EDS, ORIGINAL_DST) [TRLS0012]");
    assertThat(parseErrors(cluster("type: strict_dns"))).singleElement().asString()
        .endsWith("(did you mean 'STRICT_DNS'?) [TRLS0012]");
    assertThat(parseErrors(cluster("type: 17"))).singleElement().asString()
        .contains("value 17 is not a valid envoy.config.cluster.v3.Cluster.DiscoveryType");
  }

  @Test
  void durations() throws Exception {
    assertThat(parse(cluster("connect_timeout: 1.5s")).getStaticResources().getClusters(0).getConnectTimeout())
        .isEqualTo(Durations.fromMillis(1500));
    assertThat(parse(cluster("connect_timeout: 0.000000001s")).getStaticResources().getClusters(0)
        .getConnectTimeout().getNanos()).isEqualTo(1);
    assertThat(parseErrors(cluster("connect_timeout: 5"))).containsExactly(
        "t.yaml: static_resources.clusters[0].connect_timeout: expected a duration such as '1.5s', got number 5 "
            + "(write '5s' for seconds) [TRLS0011]");
    assertThat(parseErrors(cluster("connect_timeout: 250ms"))).containsExactly(
        "t.yaml: static_resources.clusters[0].connect_timeout: expected a duration such as '1.5s', got '250ms' "
            + "(only seconds are accepted, e.g. '0.25s' for 250ms) [TRLS0014]");
    assertThat(parseErrors(cluster("connect_timeout: 1.0000000001s"))).singleElement().asString()
        .contains("expected a duration such as '1.5s', got '1.0000000001s'");
    assertThat(parseErrors(cluster("connect_timeout: 999999999999s"))).singleElement().asString()
        .contains("is out of range (at most 315576000000s)");
  }

  @Test
  void wrappersAreReadAsPlainValuesWithRangeChecks() throws Exception {
    assertThat(parse(cluster("per_connection_buffer_limit_bytes: '1024'")).getStaticResources().getClusters(0)
        .getPerConnectionBufferLimitBytes().getValue()).isEqualTo(1024);
    assertThat(parseErrors(cluster("per_connection_buffer_limit_bytes: 4294967296"))).containsExactly(
        "t.yaml: static_resources.clusters[0].per_connection_buffer_limit_bytes: value 4294967296 is out of range "
            + "for uint32 (expected an integer from 0 to 4294967295) [TRLS0013]");
    assertThat(parseErrors(cluster("per_connection_buffer_limit_bytes: -1"))).singleElement().asString()
        .contains("value -1 is out of range for uint32");
    assertThat(parseErrors(cluster("per_connection_buffer_limit_bytes: 1.5"))).singleElement().asString()
        .contains("value 1.5 is not a valid uint32 (expected an integer from 0 to 4294967295)");
    assertThat(parseErrors(cluster("per_connection_buffer_limit_bytes: {value: 3}"))).singleElement().asString()
        .contains("value a mapping is not a valid uint32");
  }

  @Test
  void integralFloatsAndExponentsAreIntegers() throws Exception {
    assertThat(parse(cluster("per_connection_buffer_limit_bytes: 1e3")).getStaticResources().getClusters(0)
        .getPerConnectionBufferLimitBytes().getValue()).isEqualTo(1000);
    assertThat(parseErrors(cluster("per_connection_buffer_limit_bytes: 1e999999999"))).singleElement().asString()
        .contains("is not a valid uint32");
  }

  @Test
  void int64AsStringOrNumber() throws Exception {
    String yaml = """
        static_resources:
          clusters:
          - name: a
            load_assignment:
              cluster_name: a
              endpoints:
              - priority: 1
        stats_flush_interval: 5s
        """;
    assertThat(parse(yaml).getStaticResources().getClusters(0).getLoadAssignment().getEndpoints(0).getPriority())
        .isEqualTo(1);
    Bootstrap b = parse("node: {id: a}\noverload_manager: {refresh_interval: 1s}\nstats_server_version_override: "
        + "'18446744073709551615'");
    assertThat(Long.toUnsignedString(b.getStatsServerVersionOverride().getValue()))
        .isEqualTo("18446744073709551615");
    assertThat(parseErrors("stats_server_version_override: 18446744073709551616")).singleElement().asString()
        .contains("out of range for uint64");
  }

  @Test
  void stringFieldRejectsNumbersWithAHint() {
    assertThat(parseErrors("node: {id: 123}")).containsExactly(
        "t.yaml: node.id: expected a string, got number 123 (quote it: '123') [TRLS0011]");
    assertThat(parseErrors("node: {id: 1.10}")).singleElement().asString().contains("got number 1.10");
    assertThat(parseErrors("node: {id: [a]}")).singleElement().asString().contains("expected a string, got a list");
  }

  @Test
  void booleans() throws Exception {
    String hcm = """
        static_resources:
          listeners:
          - name: l
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  use_remote_address: %s
        """;
    assertThat(parseErrors(hcm.formatted("yes"))).containsExactly(
        "t.yaml: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.use_remote_address: value "
            + "'yes' is not a boolean (expected true or false) [TRLS0011]");
    var any = parse(hcm.formatted("true")).getStaticResources().getListeners(0).getFilterChains(0).getFilters(0)
        .getTypedConfig();
    assertThat(unpack(any, HttpConnectionManager.class).getUseRemoteAddress().getValue()).isTrue();
  }

  private static <T extends com.google.protobuf.Message> T unpack(com.google.protobuf.Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void repeatedFieldNeedsAList() {
    assertThat(parseErrors("static_resources: {clusters: {name: a}}")).containsExactly(
        "t.yaml: static_resources.clusters: expected a list, got a mapping (write it as a one-item list: '- ...') "
            + "[TRLS0011]");
    assertThat(parseErrors("static_resources: {clusters: [null]}")).containsExactly(
        "t.yaml: static_resources.clusters[0]: list items cannot be null [TRLS0011]");
  }

  @Test
  void messageFieldNeedsAMapping() {
    assertThat(parseErrors("static_resources: [a]")).containsExactly(
        "t.yaml: static_resources: expected a mapping of envoy.config.bootstrap.v3.Bootstrap.StaticResources fields,"
            + " got a list [TRLS0011]");
  }

  @Test
  void oneofConflict() {
    assertThat(parseErrors(cluster("type: STATIC\ncluster_type: {name: x}"))).containsExactly(
        "t.yaml: static_resources.clusters[0].cluster_type: 'type' and 'cluster_type' are both set, but only one "
            + "member of oneof 'cluster_discovery_type' may be set (members: type, cluster_type) [TRLS0015]");
  }

  @Test
  void sameFieldUnderBothNames() {
    assertThat(parseErrors(cluster("connect_timeout: 1s\nconnectTimeout: 2s"))).containsExactly(
        "t.yaml: static_resources.clusters[0].connect_timeout: field 'connect_timeout' is given twice (as "
            + "'connect_timeout' and as 'connectTimeout') [TRLS0016]");
  }

  @Test
  void nullMeansNotSet() throws Exception {
    assertThat(parse(cluster("connect_timeout: null\ntype:")).getStaticResources().getClusters(0)
        .hasConnectTimeout()).isFalse();
  }

  @Test
  void bytesAsBase64() throws Exception {
    Bootstrap b = parse("""
        static_resources:
          secrets:
          - name: s
            generic_secret: {secret: {inline_bytes: aGVsbG8=}}
        """);
    assertThat(b.getStaticResources().getSecrets(0).getGenericSecret().getSecret().getInlineBytes().toStringUtf8())
        .isEqualTo("hello");
    assertThat(parseErrors("""
        static_resources:
          secrets:
          - name: s
            generic_secret: {secret: {inline_bytes: "not base64!"}}
        """)).containsExactly("t.yaml: static_resources.secrets[0].generic_secret.secret.inline_bytes: value "
        + "'not base64!' is not valid base64 (expected bytes in base64, e.g. 'aGVsbG8=') [TRLS0014]");
  }

  @Test
  void mapsAndStructs() throws Exception {
    Bootstrap b = parse("""
        node:
          id: a
          metadata: {team: payments, replicas: 3, tags: [x, y], nested: {ok: true}, none: null}
        static_resources:
          clusters:
          - name: c
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: {http2_protocol_options: {}}
        """);
    var md = b.getNode().getMetadata().getFieldsMap();
    assertThat(md.get("team").getStringValue()).isEqualTo("payments");
    assertThat(md.get("replicas").getNumberValue()).isEqualTo(3.0);
    assertThat(md.get("tags").getListValue().getValuesCount()).isEqualTo(2);
    assertThat(md.get("nested").getStructValue().getFieldsMap().get("ok").getBoolValue()).isTrue();
    assertThat(md.get("none").hasNullValue()).isTrue();
    var opts = b.getStaticResources().getClusters(0).getTypedExtensionProtocolOptionsMap()
        .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    assertThat(unpack(opts, HttpProtocolOptions.class).getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    assertThat(parseErrors(cluster("typed_extension_protocol_options: [a]"))).singleElement().asString()
        .contains("static_resources.clusters[0].typed_extension_protocol_options: expected a mapping "
            + "(map<string, google.protobuf.Any>), got a list");
    assertThat(parseErrors(cluster("""
        typed_extension_protocol_options:
          envoy.extensions.upstreams.http.v3.HttpProtocolOptions: {explicit_http_config: {}}""")))
        .containsExactly("t.yaml: static_resources.clusters[0].typed_extension_protocol_options"
            + "[\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\"]: missing '@type': a typed_config names its "
            + "type, for example '@type: type.googleapis.com/envoy.extensions.filters.network.http_connection_manager"
            + ".v3.HttpConnectionManager' [TRLS0017]");
  }

  @Test
  void anyWithUnknownTypeListsSupportedOnes() {
    String yaml = """
        static_resources:
          listeners:
          - name: l
            filter_chains:
            - filters:
              - name: f
                typed_config:
                  "@type": %s
        """;
    assertThat(parseErrors(yaml.formatted("type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3"
        + ".RedisProxy"))).singleElement().asString()
        .startsWith("t.yaml: static_resources.listeners[0].filter_chains[0].filters[0].typed_config[\"@type\"]: "
            + "unknown or unsupported type 'type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3."
            + "RedisProxy' (supported: envoy.extensions.access_loggers.file.v3.FileAccessLog, ")
        .contains("envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy");
    assertThat(parseErrors(yaml.formatted("type.googleapis.com/udpa.type.v1.TypedStruct"))).singleElement()
        .asString().contains("TypedStruct is not supported: write the extension's own type in '@type'");
    assertThat(parseErrors(yaml.formatted("type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3"
        + ".tcpproxy"))).singleElement().asString().endsWith("(did you mean 'type.googleapis.com/envoy.extensions."
        + "filters.network.tcp_proxy.v3.TcpProxy'?) [TRLS0017]");
  }

  @Test
  void errorsInsideAnyNameTheFullPath() {
    assertThat(parseErrors("""
        static_resources:
          listeners:
          - name: l
            filter_chains:
            - filters: []
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  route_config:
                    virtual_hosts:
                    - name: vh
                      domains: "*"
        """)).containsExactly("t.yaml: static_resources.listeners[0].filter_chains[1].filters[0].typed_config."
        + "route_config.virtual_hosts[0].domains: expected a list, got string '*' (write it as a one-item list: "
        + "'- ...') [TRLS0011]");
  }

  @Test
  void collectsEveryError() {
    assertThat(parseErrors("""
        node: {id: 1, cluster: 2}
        static_resources:
          clusters:
          - {name: a, type: NOPE, bogus: 1}
        """)).hasSize(4);
  }

  @Test
  void stopsAfterAHundredErrors() {
    StringBuilder sb = new StringBuilder("node:\n");
    for (int i = 0; i < 150; i++) {
      sb.append("  bogus").append(i).append(": 1\n");
    }
    var errors = parseErrors(sb.toString());
    assertThat(errors).hasSize(101);
    assertThat(errors.get(100)).isEqualTo("t.yaml: too many errors; stopped reporting after 100 [TRLS0018]");
  }

  @Test
  void timestampAndFieldMaskAndEmptyViaTheReaderDirectly() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    var ts = com.google.protobuf.Timestamp.newBuilder();
    ProtoJsonReader.merge(mapper.readTree("\"2024-01-31T12:00:00Z\""), ts);
    assertThat(ts.getSeconds()).isEqualTo(1706702400L);
    var fm = com.google.protobuf.FieldMask.newBuilder();
    ProtoJsonReader.merge(mapper.readTree("\"connectTimeout,name\""), fm);
    assertThat(fm.getPathsList()).containsExactly("connect_timeout", "name");
    var empty = com.google.protobuf.Empty.newBuilder();
    ProtoJsonReader.merge(mapper.readTree("{}"), empty);
    try {
      ProtoJsonReader.merge(mapper.readTree("\"yesterday\""), com.google.protobuf.Timestamp.newBuilder(), "x");
      throw new AssertionError("expected an error");
    } catch (ConfigException e) {
      assertThat(e.diagnostics().get(0).toString()).isEqualTo("x: value 'yesterday' is not a valid timestamp "
          + "(expected RFC 3339, such as '2024-01-31T12:00:00Z') [TRLS0014]");
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"1|1", "\"7\"|7", "-3|-3", "8.0|8", "\"-2147483648\"|-2147483648", "1e2|100"})
  void int64FieldForms(String written, long expected) throws Exception {
    var hm = io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder();
    ProtoJsonReader.merge(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        "{\"name\": \"x\", \"range_match\": {\"start\": " + written + "}}"), hm);
    assertThat(hm.getRangeMatch().getStart()).isEqualTo(expected);
  }
}
