/**
 * An open-loop load generator (see {@link io.trellis.bench.load.LoadGen}). Requests follow a constant-rate schedule,
 * optionally with uniform jitter, and each one's latency is recorded twice in HdrHistogram: from its intended send time
 * (corrected for coordinated omission, as wrk2 does) and from its actual send time (service time only). Everything runs
 * on one Netty event loop so that the schedule, the connections and the histograms need no locks.
 */
package io.trellis.bench.load;
