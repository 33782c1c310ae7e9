/**
 * Protocol conformance and bad-input suites that prove the proxy is safe at the edge. Each suite starts a real
 * {@link io.trellis.proxy.server.ProxyServer} from an Envoy bootstrap (an {@code http_connection_manager} listener on
 * 127.0.0.1:0 in front of a {@link io.trellis.testkit.conformance.RecordingUpstream}), talks to it with raw sockets,
 * and prints one summary line: H1-CONF, SMUG-H1, HDR-LIMITS, H2-FLOOD, H2-CONF, H2C-SMUG, DOWNGRADE, and the Jazzer
 * regression run of the HTTP/1 path. docs/conformance.md lists the figures and the known failures.
 */
package io.trellis.proxy.conformance;
