package io.trellis.proxy.server;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.netty.channel.EventLoopGroup;
import io.trellis.proxy.stats.StatsStore;
import io.trellis.proxy.upstream.ClusterManager;
import java.util.concurrent.Executor;

/**
 * What factories get when they build runtime objects from config: stats, the cluster manager, the worker event loops,
 * the server's state, an executor for blocking work (file I/O), and the node identity.
 */
public record FactoryContext(StatsStore stats, ClusterManager clusterManager, EventLoopGroup workers,
    ServerState serverState, Executor blockingExecutor, Node node) {}
