package io.trellis.bench.jmh;

import io.trellis.proxy.upstream.Host;
import io.trellis.proxy.upstream.LoadBalancerContext;
import io.trellis.proxy.upstream.RoundRobinLoadBalancer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request host pick of {@code ROUND_ROBIN}: plain rotation (equal weights) and the EDF schedule (weights
 * differ), for small and large clusters. One balancer per thread, as on the event loops. Run with
 * {@code ./mvnw -pl bench -am package -DskipTests} then
 * {@code java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main LoadBalancerBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LoadBalancerBenchmark {
  @Param({"3", "100", "1000"})
  int hosts;

  @Param({"false", "true"})
  boolean weighted;

  private RoundRobinLoadBalancer lb;
  private LoadBalancerContext skipFirst;

  @Setup
  public void setup() {
    List<Host> list = new ArrayList<>();
    for (int i = 0; i < hosts; i++) {
      list.add(new Host(new InetSocketAddress("127.0." + (i / 250) + "." + (i % 250 + 1), 8080), "h" + i,
          weighted ? 1 + (i % 5) : 1, "", "", "", 0, 0));
    }
    lb = new RoundRobinLoadBalancer(list, 0);
    Host first = list.get(0);
    skipFirst = new LoadBalancerContext() {
      @Override
      public boolean shouldSkip(Host host) {
        return host == first;
      }
    };
  }

  @Benchmark
  public Host choose() {
    return lb.choose(LoadBalancerContext.NONE);
  }

  @Benchmark
  public Host chooseWithRetryPredicate() {
    return lb.choose(skipFirst);
  }
}
