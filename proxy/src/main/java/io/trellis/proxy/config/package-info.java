/**
 * Reading and validating the proxy's configuration: an Envoy v3 bootstrap file (YAML or JSON) becomes a
 * {@code Bootstrap} message ({@link io.trellis.proxy.config.BootstrapLoader}: {@code DocumentReader} for the text,
 * {@link io.trellis.proxy.config.ProtoJsonReader} for the proto3 JSON mapping), which is then checked against what
 * Trellis implements and for consistency ({@link io.trellis.proxy.config.BootstrapValidator}, driven by the allowlist
 * files under {@code supported/}). Every problem is a {@link io.trellis.common.Diagnostic} with a stable code
 * ({@link io.trellis.proxy.config.ConfigCode}), the file and the path to the field; see docs/configuration.md.
 */
package io.trellis.proxy.config;
