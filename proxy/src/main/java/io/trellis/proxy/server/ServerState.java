package io.trellis.proxy.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Process-wide state that filters consult: whether the proxy is draining (connections get {@code Connection: close}
 * or GOAWAY), and whether {@code /healthcheck/fail} was called. Reads are volatile; writes come from the admin server
 * or a signal handler.
 */
public final class ServerState {
  private volatile boolean draining;
  private volatile boolean healthCheckFailing;
  private final List<Runnable> drainListeners = new CopyOnWriteArrayList<>();

  public boolean draining() {
    return draining;
  }

  public boolean healthCheckFailing() {
    return healthCheckFailing;
  }

  public void setHealthCheckFailing(boolean failing) {
    this.healthCheckFailing = failing;
  }

  /** Runs {@code listener} once when draining starts (it may be called on any thread). */
  public void onDrain(Runnable listener) {
    drainListeners.add(listener);
    if (draining) {
      listener.run();
    }
  }

  /** Starts draining; idempotent. */
  public void startDraining() {
    if (draining) {
      return;
    }
    draining = true;
    drainListeners.forEach(Runnable::run);
  }
}
