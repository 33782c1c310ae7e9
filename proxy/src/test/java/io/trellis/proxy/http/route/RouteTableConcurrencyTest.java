package io.trellis.proxy.http.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One table shared by several threads (as by several event loops): every thread sees the same answers. */
class RouteTableConcurrencyTest {
  private static final RouteTable TABLE = Routes.table("""
      virtual_hosts:
      - name: vh
        domains: ["*.example.com"]
        request_headers_to_add: [{header: {key: x-vh, value: "1"}, append_action: ADD_IF_ABSENT}]
        routes:
        - match: {safe_regex: {regex: '/u/([0-9]+)'}}
          route: {cluster: users, regex_rewrite: {pattern: {regex: '/u/([0-9]+)'}, substitution: '/users/\\1'}}
        - match: {prefix: /w}
          route: {weighted_clusters: {clusters: [{name: a, weight: 1}, {name: b, weight: 1}]}}
        - match: {prefix: /h}
          route: {cluster_header: x-c}
      """);

  /** What one request should give, computed independently of the table. */
  private static String expected(int id, long random) {
    return switch (id % 3) {
      case 0 -> "users /users/" + id;
      case 1 -> (Long.remainderUnsigned(random, 2) == 0 ? "a" : "b") + " /w";
      default -> "c" + id + " /h";
    };
  }

  @Test
  void sharedTableGivesTheSameAnswersOnEveryThread() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long seed = t;
        Callable<Integer> task = () -> {
          SplittableRandom r = new SplittableRandom(seed);
          int done = 0;
          for (int i = 0; i < 20_000; i++) {
            int id = r.nextInt(1_000_000);
            long random = r.nextLong();
            String path = switch (id % 3) {
              case 0 -> "/u/" + id;
              case 1 -> "/w";
              default -> "/h";
            };
            HttpHeaders h = new DefaultHttpHeaders().add("x-c", "c" + id);
            RequestHead req = RequestHead.of("GET", path, "s" + (id % 7) + ".example.com", "http", h);
            RouteMatch m = TABLE.match(req, random);
            String got = m.clusterName() + " " + m.rewritePath(path);
            if (!got.equals(expected(id, random))) {
              throw new AssertionError(path + ": got " + got + ", expected " + expected(id, random));
            }
            m.applyRequestHeaders(h);
            if (!"1".equals(h.get("x-vh"))) {
              throw new AssertionError("header mutation lost on " + Thread.currentThread().getName());
            }
            done++;
          }
          return done;
        };
        results.add(pool.submit(task));
      }
      int total = 0;
      for (Future<Integer> f : results) {
        total += f.get(60, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(80_000);
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
