package io.trellis.proxy.conformance;

import io.trellis.testkit.conformance.RawH2Connection;
import io.trellis.testkit.conformance.RawHttp1Client;
import io.trellis.testkit.conformance.RawHttp1Client.Response;
import io.trellis.testkit.conformance.RecordingUpstream;
import io.trellis.testkit.conformance.Verdicts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * H2C-SMUG: {@code Upgrade: h2c} + {@code HTTP2-Settings} sent through the proxy (the h2cSmuggler probe and variants,
 * our own vectors). The upstream is h2c-capable: it answers 101 to any request that carries {@code Upgrade: h2c} and
 * counts a tunnel when the HTTP/2 preface then arrives. A probe passes when no tunnel is established and the client's
 * {@code Upgrade}/{@code HTTP2-Settings} never reach the upstream.
 *
 * <p>Prints {@code h2c: N probes, 0 tunnels, U upgrade headers forwarded}.
 */
class H2cSmugglingTest {
  private static final String SETTINGS = "AAMAAABkAARAAAAAAAIAAAAA";
  private static final Duration READ = Duration.ofSeconds(2);
  private static ProxyHarness harness;

  @BeforeAll
  static void start() throws IOException {
    harness = ProxyHarness.start();
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  static List<String[]> probes() {
    List<String[]> p = new ArrayList<>();
    String s = "HTTP2-Settings: " + SETTINGS + "\r\n";
    p.add(new String[] {"classic", "GET", "Upgrade: h2c\r\n" + s + "Connection: Upgrade, HTTP2-Settings\r\n"});
    p.add(new String[] {"no-connection", "GET", "Upgrade: h2c\r\n" + s});
    p.add(new String[] {"connection-upgrade-only", "GET", "Upgrade: h2c\r\n" + s + "Connection: Upgrade\r\n"});
    p.add(new String[] {"uppercase", "GET", "Upgrade: H2C\r\n" + s + "Connection: Upgrade, HTTP2-Settings\r\n"});
    p.add(new String[] {"list-first", "GET", "Upgrade: h2c, websocket\r\n" + s + "Connection: Upgrade\r\n"});
    p.add(new String[] {"list-last", "GET", "Upgrade: websocket, h2c\r\n" + s + "Connection: Upgrade\r\n"});
    p.add(new String[] {"ows", "GET", "Upgrade:\th2c \r\n" + s + "Connection:  upgrade ,HTTP2-Settings\r\n"});
    p.add(new String[] {"keep-alive-upgrade", "GET", "Upgrade: h2c\r\n" + s
        + "Connection: keep-alive, Upgrade, HTTP2-Settings\r\n"});
    p.add(new String[] {"post-with-body", "POST", "Upgrade: h2c\r\n" + s
        + "Connection: Upgrade, HTTP2-Settings\r\nContent-Length: 5\r\n"});
    p.add(new String[] {"h2-over-cleartext", "GET", "Upgrade: h2\r\n" + s + "Connection: Upgrade, HTTP2-Settings\r\n"});
    p.add(new String[] {"close", "GET", "Upgrade: h2c\r\n" + s + "Connection: Upgrade, HTTP2-Settings, close\r\n"});
    p.add(new String[] {"two-upgrade-fields", "GET", "Upgrade: websocket\r\nUpgrade: h2c\r\n" + s
        + "Connection: Upgrade\r\n"});
    return p;
  }

  @TestFactory
  Stream<DynamicTest> h2c() {
    Verdicts v = new Verdicts("h2c");
    List<Cases.Named> cases = new ArrayList<>();
    for (String[] probe : probes()) {
      String id = "h2c-" + probe[0];
      cases.add(new Cases.Named(id, "ATTACK", verdicts -> {
        try (RawHttp1Client c = RawHttp1Client.connect(harness.address())) {
          c.send(probe[1] + " /h2c/" + id + "/ HTTP/1.1\r\nHost: localhost\r\n" + probe[2] + "\r\n"
              + (probe[1].equals("POST") ? "hello" : ""));
          Response r = null;
          try {
            r = c.readOne(READ, false);
          } catch (IOException e) {
            // no response: judged below
          }
          boolean switched = r != null && r.status() == 101;
          if (switched) {
            try {
              c.send(new String(RawH2Connection.PREFACE, java.nio.charset.StandardCharsets.ISO_8859_1));
              c.send(RawH2Connection.frame(RawH2Connection.SETTINGS, 0, 0, new byte[0]));
            } catch (IOException e) {
              // the proxy closed
            }
          }
          List<RecordingUpstream.Request> up = harness.upstream().requestsMatching("/h2c/" + id + "/");
          boolean forwardedUpgrade = up.stream().anyMatch(q -> q.header("upgrade") != null
              || q.header("http2-settings") != null);
          boolean upstreamSwitched = switched && r.upstreamTarget() != null;
          verdicts.add(id, "ATTACK", !upstreamSwitched && !forwardedUpgrade, "response " + r + (switched
              ? (upstreamSwitched ? " (101 FROM THE UPSTREAM: tunnel)" : " (101 from the proxy itself)") : "")
              + "; upstream saw " + up.stream().map(q -> q.headers().toString()).toList());
        }
      }));
    }
    Cases.runAll(v, cases, 4, 4, Map.of());
    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> harness.upstream().quietFor(Duration.ofMillis(300)));
    long forwarded = v.all().stream().filter(x -> x.detail().contains("upgrade=") || x.detail().contains("Upgrade="))
        .count();
    v.print("h2c: " + v.total(null) + " probes, " + harness.upstream().tunnels() + " tunnels, "
        + harness.upstream().upgradesAnswered() + " upstream 101s, " + forwarded + " upgrade headers forwarded");
    if (harness.upstream().tunnels() > 0) {
      v.add("h2c-no-tunnel-overall", "ATTACK", false, harness.upstream().tunnels() + " tunnels established");
    }
    return v.knownBugs(Map.of()).tests();
  }
}
