package io.trellis.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.proxy.server.ProxyServer;
import io.trellis.proxy.stats.PrometheusTextParser;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin server's failure modes: bad requests, big requests, blocked workers, scrapes under write load. */
class AdminServerEdgeTest {
  private static ProxyServer server;

  @BeforeAll
  static void start() throws Exception {
    server = AdminServerTest.start(AdminServerTest.bootstrapYaml(""), Duration.ofMillis(100));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.adminAddress().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void malformedRequestGets400AndClose() throws Exception {
    String resp = raw("GARBAGE\r\n\r\n");
    assertThat(resp).startsWith("HTTP/1.1 400");
  }

  @Test
  void headReturnsHeadersWithoutBody() throws Exception {
    String resp = raw("HEAD /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(resp).startsWith("HTTP/1.1 200").contains("content-length: 5").endsWith("\r\n\r\n");
  }

  @Test
  void oversizedBodyIsRefused() throws Exception {
    // Only the head is sent: the declared length alone must get the 413, before any body is read.
    String resp = raw("POST /healthcheck/fail HTTP/1.1\r\nHost: x\r\nContent-Length: " + 70 * 1024
        + "\r\nConnection: close\r\n\r\n");
    assertThat(resp).startsWith("HTTP/1.1 413");
    assertThat(server.state().healthCheckFailing()).isFalse();
  }

  @Test
  void keepAliveServesManyRequestsOnOneConnection() throws Exception {
    String one = "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n";
    String resp = raw(one + one + "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(resp.split("HTTP/1.1 200 OK", -1)).hasSize(4);
  }

  @Test
  void adminAnswersWhileEveryWorkerIsBlocked() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    // concurrency is 1: this blocks the only worker event loop (test-only abuse, released below)
    server.factoryContext().workers().execute(() -> {
      blocked.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
      HttpResponse<String> r = AdminServerTest.get(server, "/stats/prometheus");
      assertThat(r.statusCode()).isEqualTo(200);
    } finally {
      release.countDown();
    }
  }

  @Test
  void scrapesStayValidWhileStatsAreWritten() throws Exception {
    var store = server.stats();
    AtomicBoolean stop = new AtomicBoolean();
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int id = t;
      writers.add(CompletableFuture.runAsync(() -> {
        int i = 0;
        while (!stop.get() && i < 5_000_000) {
          store.counter("cluster.load" + (i % 50) + ".upstream_rq_total").inc();
          store.histogram("cluster.load" + (i % 50) + ".upstream_rq_time").record(i % 3000);
          store.gauge("cluster.load" + id + ".upstream_cx_active").set(i);
          i++;
        }
      }));
    }
    HttpClient http = HttpClient.newHttpClient();
    int scrapes = 0;
    long worstMillis = 0;
    try {
      for (int i = 0; i < 20; i++) {
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + server.adminAddress().getPort() + "/stats/prometheus")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        worstMillis = Math.max(worstMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertThat(r.statusCode()).isEqualTo(200);
        PrometheusTextParser.parse(r.body());
        scrapes++;
      }
    } finally {
      stop.set(true);
      CompletableFuture.allOf(writers.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    }
    System.out.println("ADMIN-SCRAPE: " + scrapes + " Prometheus scrapes under write load parsed, worst "
        + worstMillis + " ms");
    assertThat(scrapes).isEqualTo(20);
  }
}
