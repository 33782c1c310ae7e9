package io.trellis.proxy.config;

/**
 * The stable diagnostic codes of configuration reading and validation (TRLS0001-TRLS0099), each with the one-line
 * meaning that docs/configuration.md lists. A test keeps that list and this enum in step.
 */
public enum ConfigCode {
  CANNOT_READ("TRLS0001", "the file cannot be read"),
  SYNTAX("TRLS0002", "the file is not well-formed YAML or JSON"),
  NOT_A_BOOTSTRAP("TRLS0003", "the document is empty, holds several documents, or its top level is not a mapping"),
  DUPLICATE_KEY("TRLS0004", "the same key appears twice in one mapping"),
  YAML_FEATURE("TRLS0005", "a YAML feature Trellis does not read: a custom tag, a non-scalar key, a recursive alias, "
      + "or a document that grows too large when its aliases are expanded"),
  UNKNOWN_FIELD("TRLS0010", "a field that the message type does not have"),
  WRONG_TYPE("TRLS0011", "a value of the wrong kind (a list where a mapping is expected, a number for a string...)"),
  BAD_ENUM("TRLS0012", "a name or number that is not a value of the enum"),
  BAD_NUMBER("TRLS0013", "a number that is not an integer where one is needed, or is out of the field's range"),
  BAD_FORMAT("TRLS0014", "a malformed duration, timestamp, base64 bytes value or field mask"),
  ONEOF_CONFLICT("TRLS0015", "two members of one oneof are set"),
  FIELD_TWICE("TRLS0016", "one field given twice, under its snake_case and its lowerCamelCase name"),
  BAD_ANY("TRLS0017", "a typed_config without '@type', with an unknown type URL, or with a TypedStruct"),
  TOO_MANY_ERRORS("TRLS0018", "more than 100 errors: the first 100 are reported"),
  UNSUPPORTED_FIELD("TRLS0030", "an Envoy field that Trellis does not implement yet"),
  UNSUPPORTED_ENUM_VALUE("TRLS0031", "an enum value that Trellis does not implement yet"),
  UNDECODABLE_ANY("TRLS0032", "a typed_config whose bytes do not decode as its type (a bootstrap built in code)"),
  DUPLICATE_LISTENER("TRLS0040", "two listeners with the same name"),
  DUPLICATE_CLUSTER("TRLS0041", "two clusters with the same name"),
  ADDRESS_IN_USE("TRLS0042", "two listeners on the same address and port"),
  UNKNOWN_CLUSTER("TRLS0043", "a route, weighted cluster or tcp_proxy names a cluster that is not defined"),
  ZERO_WEIGHTS("TRLS0044", "weighted clusters whose weights add up to 0"),
  NO_FILTER_CHAINS("TRLS0045", "a listener without filter chains"),
  NOT_TERMINAL("TRLS0046", "a filter chain that does not end with its one terminal filter (tcp_proxy or "
      + "http_connection_manager)"),
  NO_ROUTER("TRLS0047", "an HTTP filter list that does not end with envoy.filters.http.router"),
  BAD_REGEX("TRLS0048", "a regular expression that does not compile (RE2 syntax)"),
  WRONG_SLOT("TRLS0049", "a typed_config whose type does not belong where it is (a TcpProxy as an HTTP filter)"),
  NAME_TYPE_MISMATCH("TRLS0050", "an extension name whose well-known type differs from the typed_config type"),
  BAD_DURATION("TRLS0051", "a duration that must be positive is zero or negative"),
  BAD_ADDRESS("TRLS0052", "an address that is not an IP literal where one is needed, or a port out of range"),
  MISSING_VALUE("TRLS0053", "a value that must be set is missing or empty"),
  DUPLICATE_DOMAIN("TRLS0054", "the same domain in two virtual hosts of one route configuration"),
  DUPLICATE_FILTER_CHAIN_MATCH("TRLS0055", "two filter chains of one listener with the same filter_chain_match"),
  API_RULE("TRLS0056", "a value breaks a validation rule of Envoy's API (protoc-gen-validate), as Envoy would report");

  private final String code;
  private final String meaning;

  ConfigCode(String code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public String code() {
    return code;
  }

  public String meaning() {
    return meaning;
  }
}
