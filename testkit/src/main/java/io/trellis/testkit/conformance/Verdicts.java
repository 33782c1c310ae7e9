package io.trellis.testkit.conformance;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;

/**
 * The outcome of each case of a suite, collected while the suite runs, then turned into one JUnit dynamic test per
 * case (so the JUnit counts are per case) and one summary line.
 */
public final class Verdicts {

  /**
   * One case's outcome.
   *
   * @param id short case id (e.g. {@code RFC9112-5.1-WS-BEFORE-COLON})
   * @param level {@code MUST}, {@code SHOULD}, {@code ATTACK}, ...
   * @param pass whether the proxy behaved as required
   * @param detail what was sent and what happened
   */
  public record Verdict(String id, String level, boolean pass, String detail) {}

  private final String suite;
  private final List<Verdict> verdicts = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, String> knownBugs = new LinkedHashMap<>();

  public Verdicts(String suite) {
    this.suite = suite;
  }

  /**
   * Cases known to fail because of a proxy bug that is routed to its owner: they still count as failures in the
   * summary line, but their JUnit test is reported as skipped with {@code bug: reason} (the dynamic-test form of
   * {@code @Disabled("bug: ...")}) so the build stays green. A known-bug case that passes is reported as passed.
   */
  public Verdicts knownBugs(Map<String, String> bugs) {
    knownBugs.putAll(bugs);
    return this;
  }

  public Verdict add(String id, String level, boolean pass, String detail) {
    Verdict v = new Verdict(id, level, pass, detail);
    verdicts.add(v);
    return v;
  }

  public List<Verdict> all() {
    synchronized (verdicts) {
      return List.copyOf(verdicts);
    }
  }

  public long passed(String level) {
    return all().stream().filter(v -> level == null || v.level().equals(level)).filter(Verdict::pass).count();
  }

  public long total(String level) {
    return all().stream().filter(v -> level == null || v.level().equals(level)).count();
  }

  public List<Verdict> failures() {
    return all().stream().filter(v -> !v.pass()).toList();
  }

  /** Prints the summary line, then a failure list and the JUnit-style counts; returns the summary line. */
  public String print(String summaryLine) {
    StringBuilder b = new StringBuilder(summaryLine).append('\n');
    for (Verdict v : failures()) {
      b.append(knownBugs.containsKey(v.id()) ? "  FAIL (known bug) " : "  FAIL ").append(v.id()).append(" [")
          .append(v.level()).append("] ").append(v.detail()).append('\n');
    }
    b.append("  ").append(suite).append(": ").append(passed(null)).append(" passed, ")
        .append(total(null) - passed(null)).append(" failed");
    System.out.println(b);
    System.out.flush();
    return summaryLine;
  }

  /** One dynamic test per case, failing with the case's detail. */
  public Stream<DynamicTest> tests() {
    return all().stream().map(v -> DynamicTest.dynamicTest(v.id() + " [" + v.level() + "]", () -> {
      if (!v.pass()) {
        String bug = knownBugs.get(v.id());
        if (bug != null) {
          Assumptions.abort("bug: " + bug + " -- " + v.detail());
        }
        Assertions.fail(v.id() + ": " + v.detail());
      }
    }));
  }
}
