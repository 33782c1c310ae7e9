package io.trellis.proxy.accesslog;

import io.trellis.common.ConfigException;
import io.trellis.proxy.server.FactoryContext;
import java.util.List;

/**
 * Builds access logs from {@code access_log[]} (file, stdout, stderr; text or JSON format with Envoy's operators).
 *
 * <p>TODO(accesslog): implementation; this stub logs nothing.
 */
public final class AccessLogs {
  private AccessLogs() {}

  /** One {@link AccessLog} that writes to every configured log; {@link AccessLog#NONE} when the list is empty. */
  public static AccessLog create(List<io.envoyproxy.envoy.config.accesslog.v3.AccessLog> configs, String path,
      FactoryContext context) throws ConfigException {
    return AccessLog.NONE;
  }
}
