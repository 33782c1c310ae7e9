package io.trellis.proxy.http;

import io.netty.channel.Channel;

/**
 * A channel's reading, paused for any of several independent reasons ({@code Downstream.PAUSE_*} bits): reading
 * resumes only when no reason is left. Confined to the channel's event loop.
 */
final class ReadPause {
  private final Channel ch;
  private int reasons;

  ReadPause(Channel ch) {
    this.ch = ch;
  }

  void pause(int reason) {
    reasons |= reason;
    ch.config().setAutoRead(false);
  }

  void resume(int reason) {
    reasons &= ~reason;
    if (reasons == 0 && !ch.config().isAutoRead()) {
      ch.config().setAutoRead(true);
    }
  }

  boolean paused() {
    return reasons != 0;
  }

  /** Forgets every reason without touching the channel (the caller decides when reading resumes). */
  void forget() {
    reasons = 0;
  }

  /** Forgets every reason and reads again. */
  void clear() {
    reasons = 0;
    ch.config().setAutoRead(true);
  }
}
