package io.trellis.proxy.conformance;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.trellis.testkit.LeakDetectionExtension;
import io.trellis.testkit.conformance.Verdicts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs a suite's cases on a few virtual threads with a deadline per case; a case that throws or hangs fails. */
final class Cases {
  /** One case: returns a detail string and sets the verdict through {@link Verdicts}. */
  interface Case {
    void run(Verdicts verdicts) throws Exception;
  }

  record Named(String id, String level, Case body) {}

  private Cases() {}

  /**
   * Diagnostic mode ({@code -Dconformance.attributeLeaks=true}): runs the cases one at a time and, after each, forces
   * the leak detector to report, printing {@code LEAK-ATTRIBUTED <case>} when the case made the proxy leak.
   */
  private static void attributeLeaks(Verdicts verdicts, List<Named> cases) {
    LeakDetectionExtension.install();
    for (Named c : cases) {
      int before = LeakDetectionExtension.leaks().size();
      try {
        c.body().run(verdicts);
      } catch (Exception | AssertionError e) {
        verdicts.add(c.id(), c.level(), false, "case threw " + e);
      }
      for (int i = 0; i < 3; i++) {
        System.gc();
        for (int j = 0; j < 200; j++) {
          PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
          ByteBufAllocator.DEFAULT.directBuffer(16).release();
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (LeakDetectionExtension.leaks().size() > before) {
        System.out.println("LEAK-ATTRIBUTED " + c.id());
      }
    }
  }

  /**
   * Runs the cases whose id matches the system property {@code conformance.only} (a regex; all when unset) and not
   * {@code conformance.skip}, plus never the ids in {@code quarantined} (cases that break the run itself, e.g. by
   * leaking a buffer in the proxy: they are reported as known-bug failures without being sent).
   */
  static void runAll(Verdicts verdicts, List<Named> all, int parallelism, long perCaseSeconds,
      java.util.Map<String, String> quarantined) {
    String only = System.getProperty("conformance.only");
    String skip = System.getProperty("conformance.skip");
    List<Named> cases = new ArrayList<>();
    for (Named c : all) {
      if (quarantined.containsKey(c.id()) && !Boolean.getBoolean("conformance.runQuarantined")) {
        verdicts.add(c.id(), c.level(), false, "not run (quarantined): " + quarantined.get(c.id()));
      } else if ((only == null || c.id().matches(only)) && (skip == null || !c.id().matches(skip))) {
        cases.add(c);
      }
    }
    runAll(verdicts, cases, parallelism, perCaseSeconds);
  }

  static void runAll(Verdicts verdicts, List<Named> cases, int parallelism, long perCaseSeconds) {
    if (Boolean.getBoolean("conformance.attributeLeaks")) {
      attributeLeaks(verdicts, cases);
      return;
    }
    List<Future<?>> futures = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(parallelism, Thread.ofVirtual().factory())) {
      for (Named c : cases) {
        futures.add(pool.submit(() -> {
          try {
            c.body().run(verdicts);
          } catch (Exception | AssertionError e) {
            verdicts.add(c.id(), c.level(), false, "case threw " + e);
          }
          return null;
        }));
      }
      for (int i = 0; i < futures.size(); i++) {
        try {
          futures.get(i).get(perCaseSeconds * 4 + 10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          futures.get(i).cancel(true);
          verdicts.add(cases.get(i).id(), cases.get(i).level(), false, "case did not finish in time");
        } catch (Exception e) {
          verdicts.add(cases.get(i).id(), cases.get(i).level(), false, "case failed: " + e);
        }
      }
      pool.shutdownNow();
    }
  }
}
