package io.trellis.samples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP service for the demo: answers every request with its name and version and what it received, so a user
 * can see which backend served them and which headers the proxy added.
 */
public final class HelloService implements AutoCloseable {
  private final HttpServer server;
  private final String name;
  private final String version;

  private HelloService(HttpServer server, String name, String version) {
    this.server = server;
    this.name = name;
    this.version = version;
  }

  /** Starts on 127.0.0.1:{@code port} (0 = any free port). */
  public static HelloService start(String name, String version, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    HelloService service = new HelloService(server, name, version);
    server.createContext("/", service::handle);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
    return service;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String name() {
    return name;
  }

  public String version() {
    return version;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
      String requestId = exchange.getRequestHeaders().getFirst("x-request-id");
      String body = "{\"service\":\"" + name + "\",\"version\":\"" + version + "\",\"method\":\""
          + exchange.getRequestMethod() + "\",\"path\":\"" + json(exchange.getRequestURI().toString())
          + "\",\"x-request-id\":\"" + json(requestId == null ? "" : requestId) + "\"}\n";
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "application/json");
      exchange.getResponseHeaders().set("x-served-by", name + "-" + version);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static String json(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Runs one service: {@code HelloService NAME VERSION PORT}. */
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: HelloService NAME VERSION PORT");
      System.exit(2);
    }
    HelloService s = start(args[0], args[1], Integer.parseInt(args[2]));
    System.out.println(s.name() + " " + s.version() + " listening on 127.0.0.1:" + s.port());
    Thread.currentThread().join();
  }
}
