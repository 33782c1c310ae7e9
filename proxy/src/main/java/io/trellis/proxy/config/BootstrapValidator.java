package io.trellis.proxy.config;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.trellis.common.ConfigException;

/**
 * Rejects what Trellis does not implement, naming the field; and checks references (a route to an unknown cluster).
 *
 * <p>TODO(config): supported-field walk and reference checks.
 */
public final class BootstrapValidator {
  private BootstrapValidator() {}

  public static void validate(Bootstrap bootstrap, String file) throws ConfigException {
    // filled in by the config work
  }
}
