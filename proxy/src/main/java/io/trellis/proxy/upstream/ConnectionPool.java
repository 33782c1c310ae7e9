package io.trellis.proxy.upstream;

import io.netty.util.concurrent.Promise;

/** The connections of one (event loop, host, protocol). Confined to its loop: every method runs on it. */
interface ConnectionPool {
  /** Completes {@code promise} with a stream, opening a connection when none can take one. */
  void acquire(Promise<UpstreamHttpStream> promise);

  /**
   * New connections go to {@code host} from now on; existing ones stay (LOGICAL_DNS: one logical host whose address
   * follows DNS, connections are not drained when it changes).
   */
  void retarget(Host host, HostStats stats);

  /** The host left the cluster: close idle connections, take no new streams, let in-flight ones finish. */
  void drain();
}
