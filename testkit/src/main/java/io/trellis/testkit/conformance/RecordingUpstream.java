package io.trellis.testkit.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A plain-TCP HTTP/1.1 origin on 127.0.0.1:0 that keeps every byte it receives and parses just enough HTTP/1.1 to
 * answer. Its parser is deliberately strict (the "reference parser" of the smuggling suite): anything a lenient
 * server could read two ways is recorded as an {@link Request#anomalies() anomaly}, answered with 400 and the
 * connection closed, so a test can assert that the proxy never forwards an ambiguous message.
 *
 * <p>Responses depend on the request target:
 *
 * <ul>
 *   <li>{@code /status/NNN} answers with that status (no body for 204 and 304);
 *   <li>{@code /chunked...} answers 200 with a chunked body {@code hello};
 *   <li>{@code /big/N...} answers 200 with an N-byte body (written in 64 KiB pieces, blocking when the reader stalls);
 *   <li>a request carrying {@code Upgrade: h2c} is answered {@code 101 Switching Protocols}, after which the
 *       connection only records bytes; receiving the HTTP/2 preface then counts as an established {@link #tunnels()
 *       tunnel};
 *   <li>anything else answers 200 {@code ok} ({@code HEAD}: the same headers and no body).
 * </ul>
 *
 * <p>Every response carries {@code x-upstream-target} (the target as received, when printable), {@code
 * x-upstream-conn} and {@code x-upstream-seq}, so a client can tell which upstream request produced which response.
 */
public final class RecordingUpstream implements AutoCloseable {
  private static final int MAX_HEAD = 512 * 1024;
  private static final int MAX_RECORDED_PER_CONNECTION = 4 * 1024 * 1024;

  /**
   * One request as the upstream parsed it.
   *
   * @param connection the upstream connection's index (0-based, in accept order)
   * @param seq the request's position on its connection (0-based)
   * @param method the method token as received
   * @param target the request-target as received (ISO-8859-1)
   * @param version the version as received
   * @param headers the header fields in order (names as received)
   * @param body the decoded body (chunked framing removed)
   * @param complete whether the whole message (head and body) arrived
   * @param anomalies what a strict parser objects to; empty for a clean, unambiguous message
   */
  public record Request(int connection, int seq, String method, String target, String version,
      List<Map.Entry<String, String>> headers, byte[] body, boolean complete, List<String> anomalies) {

    /** The first value of a header, by case-insensitive name, or null. */
    public String header(String name) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }

    /** How many times a header name occurs (case-insensitive). */
    public int count(String name) {
      int n = 0;
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          n++;
        }
      }
      return n;
    }

    public String bodyText() {
      return new String(body, StandardCharsets.ISO_8859_1);
    }
  }

  private final ServerSocket server;
  private final Thread acceptor;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<ByteArrayOutputStream> raw = new CopyOnWriteArrayList<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger tunnels = new AtomicInteger();
  private final AtomicInteger upgradesAnswered = new AtomicInteger();
  private final AtomicLong lastActivityNanos = new AtomicLong(System.nanoTime());
  private final AtomicLong bodyBytesWritten = new AtomicLong();
  private volatile boolean closed;

  private RecordingUpstream(ServerSocket server) {
    this.server = server;
    this.acceptor = Thread.ofVirtual().name("recording-upstream-accept").start(this::acceptLoop);
  }

  /** Starts listening on 127.0.0.1, port 0. */
  public static RecordingUpstream start() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    return new RecordingUpstream(s);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Every request parsed so far (complete or not), in arrival order across connections. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Requests whose target contains {@code marker}. */
  public List<Request> requestsMatching(String marker) {
    return requests.stream().filter(r -> r.target().contains(marker)).toList();
  }

  public List<Request> requests(Predicate<Request> p) {
    return requests.stream().filter(p).toList();
  }

  /** Every byte received on every connection, concatenated in connection order (capped per connection). */
  public byte[] rawBytes() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (ByteArrayOutputStream b : raw) {
      synchronized (b) {
        all.writeBytes(b.toByteArray());
      }
    }
    return all.toByteArray();
  }

  /** Whether the raw bytes received on any connection contain {@code needle} (ISO-8859-1). */
  public boolean rawContains(String needle) {
    return new String(rawBytes(), StandardCharsets.ISO_8859_1).contains(needle);
  }

  public int connections() {
    return connections.get();
  }

  /** The largest number of requests that were parsed but not yet answered at the same time. */
  public int maxInFlight() {
    return maxInFlight.get();
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Connections on which the upstream answered 101 to h2c and then received the HTTP/2 preface. */
  public int tunnels() {
    return tunnels.get();
  }

  /** How many h2c upgrade requests reached the upstream (each was answered 101). */
  public int upgradesAnswered() {
    return upgradesAnswered.get();
  }

  /** Response body bytes the upstream managed to write (bounded by the proxy's reading). */
  public long bodyBytesWritten() {
    return bodyBytesWritten.get();
  }

  /** Whether nothing has been received or sent for at least {@code quiet}. */
  public boolean quietFor(Duration quiet) {
    return System.nanoTime() - lastActivityNanos.get() >= quiet.toNanos();
  }

  /** Forgets recorded requests and bytes (connections stay open). */
  public void clear() {
    requests.clear();
    for (ByteArrayOutputStream b : raw) {
      synchronized (b) {
        b.reset();
      }
    }
    maxInFlight.set(inFlight.get());
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    acceptor.interrupt();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      int id = connections.getAndIncrement();
      sockets.add(s);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      raw.add(log);
      Thread.ofVirtual().name("recording-upstream-" + id).start(() -> serve(s, id, log));
    }
  }

  private void serve(Socket socket, int connId, ByteArrayOutputStream log) {
    try (socket) {
      socket.setTcpNoDelay(true);
      socket.setSendBufferSize(64 * 1024);
      Reader in = new Reader(socket.getInputStream(), log);
      OutputStream out = socket.getOutputStream();
      for (int seq = 0; !closed; seq++) {
        if (!handleOne(in, out, connId, seq)) {
          return;
        }
      }
    } catch (IOException ignored) {
      // peer went away
    }
  }

  /** Returns whether to keep reading requests on this connection. */
  private boolean handleOne(Reader in, OutputStream out, int connId, int seq) throws IOException {
    byte[] head = in.readHead();
    if (head == null) {
      return false;
    }
    List<String> anomalies = new ArrayList<>();
    String text = new String(head, StandardCharsets.ISO_8859_1);
    checkLineEndings(text, anomalies);
    String[] lines = text.split("\r?\n", -1);
    String requestLine = lines[0];
    String[] parts = requestLine.split(" ", -1);
    String method = parts.length > 0 ? parts[0] : "";
    String target = parts.length > 1 ? parts[1] : "";
    String version = parts.length > 2 ? parts[2] : "";
    if (parts.length != 3) {
      anomalies.add("request-line-parts");
    }
    if (!Syntax.isToken(method)) {
      anomalies.add("method-not-token");
    }
    if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      anomalies.add("version:" + printable(version));
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        anomalies.add("target-char");
        break;
      }
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty()) {
        continue;
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        anomalies.add("obs-fold");
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        anomalies.add("no-colon");
        continue;
      }
      String name = line.substring(0, colon);
      String value = Syntax.trimOws(line.substring(colon + 1));
      if (!Syntax.isToken(name)) {
        anomalies.add("name-not-token:" + printable(name));
      }
      if (!Syntax.isFieldValue(value)) {
        anomalies.add("ctl-in-value:" + printable(name));
      }
      String lower = name.toLowerCase(Locale.ROOT);
      if (!lower.equals("transfer-encoding") && lower.contains("transfer-encoding")
          || !lower.equals("content-length") && lower.contains("content-length")) {
        anomalies.add("framing-lookalike:" + printable(name));
      }
      headers.add(Map.entry(name, value));
    }
    Request probe = new Request(connId, seq, method, target, version, headers, new byte[0], false, anomalies);
    int hostCount = probe.count("host");
    if (version.equals("HTTP/1.1") && hostCount != 1) {
      anomalies.add("host-count:" + hostCount);
    }
    // Framing.
    List<String> te = new ArrayList<>();
    List<String> cl = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase("transfer-encoding")) {
        for (String v : h.getValue().split(",", -1)) {
          te.add(Syntax.trimOws(v).toLowerCase(Locale.ROOT));
        }
      } else if (h.getKey().equalsIgnoreCase("content-length")) {
        for (String v : h.getValue().split(",", -1)) {
          cl.add(Syntax.trimOws(v));
        }
      }
    }
    boolean chunked = false;
    long length = 0;
    if (!te.isEmpty()) {
      if (!cl.isEmpty()) {
        anomalies.add("cl+te");
      }
      if (!te.get(te.size() - 1).equals("chunked")) {
        anomalies.add("te-not-chunked:" + printable(String.join(",", te)));
      }
      if (te.stream().filter("chunked"::equals).count() > 1) {
        anomalies.add("te-chunked-twice");
      }
      if (version.equals("HTTP/1.0")) {
        anomalies.add("te-in-http10");
      }
      chunked = true;
    } else if (!cl.isEmpty()) {
      if (cl.size() > 1) {
        anomalies.add("cl-list:" + printable(String.join(",", cl)));
      }
      String v = cl.get(0);
      if (!v.matches("[0-9]{1,15}")) {
        anomalies.add("cl-invalid:" + printable(v));
      } else {
        length = Long.parseLong(v);
      }
    }
    boolean upgradeH2c = headerContains(headers, "upgrade", "h2c");
    boolean expectContinue = headerContains(headers, "expect", "100-continue");
    if (!anomalies.isEmpty() && framingAnomaly(anomalies)) {
      requests.add(new Request(connId, seq, method, target, version, List.copyOf(headers), new byte[0], false,
          List.copyOf(anomalies)));
      writeSimple(out, 400, target, connId, seq, "Connection: close\r\n", "rejected by strict upstream");
      return false;
    }
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      if (expectContinue) {
        out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
      byte[] body;
      boolean complete = true;
      try {
        body = chunked ? in.readChunked(anomalies) : in.readExactly(length);
      } catch (BodyException e) {
        anomalies.add(e.getMessage());
        body = e.partial;
        complete = false;
      }
      Request r = new Request(connId, seq, method, target, version, List.copyOf(headers), body,
          complete, List.copyOf(anomalies));
      requests.add(r);
      if (!complete) {
        writeSimple(out, 400, target, connId, seq, "Connection: close\r\n", "bad body");
        return false;
      }
      if (upgradeH2c) {
        upgradesAnswered.incrementAndGet();
        out.write(("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
            + "x-upstream-target: " + printable(target) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        byte[] preface = in.readUpTo(24);
        if (new String(preface, StandardCharsets.ISO_8859_1).startsWith("PRI * HTTP/2.0")) {
          tunnels.incrementAndGet();
        }
        in.drainUntilEof();
        return false;
      }
      boolean close = "HTTP/1.0".equals(version) && !headerContains(headers, "connection", "keep-alive")
          || headerContains(headers, "connection", "close");
      respond(out, r, close);
      return !close;
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private static boolean framingAnomaly(List<String> anomalies) {
    for (String a : anomalies) {
      if (a.startsWith("cl+te") || a.startsWith("te-") || a.startsWith("cl-") || a.startsWith("framing-lookalike")
          || a.startsWith("bare-") || a.startsWith("obs-fold") || a.startsWith("no-colon")
          || a.startsWith("name-not-token") || a.startsWith("request-line") || a.startsWith("version")
          || a.startsWith("ctl-in-value")) {
        return true;
      }
    }
    return false;
  }

  private void respond(OutputStream out, Request r, boolean close) throws IOException {
    String target = r.target();
    String common = "x-upstream-target: " + printable(target) + "\r\nx-upstream-conn: " + r.connection()
        + "\r\nx-upstream-seq: " + r.seq() + "\r\n" + (close ? "Connection: close\r\n" : "");
    if (target.startsWith("/status/")) {
      int code = parseCode(target.substring(8));
      if (code == 204 || code == 304) {
        write(out, "HTTP/1.1 " + code + " " + reason(code) + "\r\n" + common + "\r\n");
      } else {
        writeBody(out, code, common, "status " + code, r.method());
      }
      return;
    }
    if (target.startsWith("/chunked")) {
      String head = "HTTP/1.1 200 OK\r\n" + common + "Transfer-Encoding: chunked\r\n\r\n";
      write(out, r.method().equals("HEAD") ? head : head + "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n");
      return;
    }
    if (target.startsWith("/big/")) {
      long n = parseLong(target.substring(5));
      write(out, "HTTP/1.1 200 OK\r\n" + common + "Content-Length: " + n + "\r\n\r\n");
      byte[] piece = new byte[64 * 1024];
      long left = r.method().equals("HEAD") ? 0 : n;
      while (left > 0 && !closed) {
        int k = (int) Math.min(piece.length, left);
        out.write(piece, 0, k);
        bodyBytesWritten.addAndGet(k);
        lastActivityNanos.set(System.nanoTime());
        left -= k;
      }
      out.flush();
      return;
    }
    writeBody(out, 200, common, "ok", r.method());
  }

  private void writeBody(OutputStream out, int code, String common, String body, String method) throws IOException {
    String head = "HTTP/1.1 " + code + " " + reason(code) + "\r\n" + common + "Content-Length: " + body.length()
        + "\r\nContent-Type: text/plain\r\n\r\n";
    write(out, method.equals("HEAD") ? head : head + body);
  }

  private void writeSimple(OutputStream out, int code, String target, int conn, int seq, String extra, String body)
      throws IOException {
    write(out, "HTTP/1.1 " + code + " " + reason(code) + "\r\nx-upstream-target: " + printable(target)
        + "\r\nx-upstream-conn: " + conn + "\r\nx-upstream-seq: " + seq + "\r\n" + extra + "Content-Length: "
        + body.length() + "\r\n\r\n" + body);
  }

  private void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    lastActivityNanos.set(System.nanoTime());
  }

  private static boolean headerContains(List<Map.Entry<String, String>> headers, String name, String token) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        for (String v : h.getValue().split(",")) {
          if (Syntax.trimOws(v).equalsIgnoreCase(token)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private static void checkLineEndings(String head, List<String> anomalies) {
    for (int i = 0; i < head.length(); i++) {
      char c = head.charAt(i);
      if (c == '\n' && (i == 0 || head.charAt(i - 1) != '\r')) {
        anomalies.add("bare-lf");
        return;
      }
      if (c == '\r' && (i + 1 >= head.length() || head.charAt(i + 1) != '\n')) {
        anomalies.add("bare-cr");
        return;
      }
    }
  }

  private static int parseCode(String s) {
    try {
      int end = 0;
      while (end < s.length() && Character.isDigit(s.charAt(end))) {
        end++;
      }
      int c = Integer.parseInt(s.substring(0, end));
      return c >= 200 && c <= 599 ? c : 200;
    } catch (NumberFormatException e) {
      return 200;
    }
  }

  private static long parseLong(String s) {
    int end = 0;
    while (end < s.length() && Character.isDigit(s.charAt(end))) {
      end++;
    }
    return end == 0 ? 0 : Math.min(Long.parseLong(s.substring(0, Math.min(end, 12))), 512L * 1024 * 1024);
  }

  static String reason(int code) {
    return switch (code) {
      case 200 -> "OK";
      case 204 -> "No Content";
      case 304 -> "Not Modified";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      default -> "Status";
    };
  }

  /** The string with every byte outside printable ASCII replaced by {@code \xNN}. */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x21 && c < 0x7f && c != '\\') {
        b.append(c);
      } else {
        b.append(String.format("\\x%02x", (int) c & 0xff));
      }
    }
    return b.toString();
  }

  private static final class BodyException extends IOException {
    final byte[] partial;

    BodyException(String message, byte[] partial) {
      super(message);
      this.partial = partial;
    }
  }

  /** Buffered reader over the socket that copies every byte into the connection's log. */
  private final class Reader {
    private final InputStream in;
    private final ByteArrayOutputStream log;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int lim;

    Reader(InputStream in, ByteArrayOutputStream log) {
      this.in = in;
      this.log = log;
    }

    private boolean fill() throws IOException {
      if (pos < lim) {
        return true;
      }
      int n;
      try {
        n = in.read(buf, 0, buf.length);
      } catch (SocketException e) {
        return false;
      }
      if (n <= 0) {
        return false;
      }
      lastActivityNanos.set(System.nanoTime());
      synchronized (log) {
        if (log.size() < MAX_RECORDED_PER_CONNECTION) {
          log.write(buf, 0, n);
        }
      }
      pos = 0;
      lim = n;
      return true;
    }

    int read() throws IOException {
      return fill() ? buf[pos++] & 0xff : -1;
    }

    /** Reads up to and including CRLFCRLF (or LFLF); null on EOF before any byte. */
    byte[] readHead() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int c;
      while ((c = read()) >= 0) {
        head.write(c);
        byte[] h = null;
        int n = head.size();
        if (c == '\n' && n >= 2) {
          h = head.toByteArray();
          boolean crlfcrlf = n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r';
          boolean lflf = h[n - 2] == '\n';
          boolean crlflf = n >= 3 && h[n - 3] == '\n' && h[n - 2] == '\r';
          if (crlfcrlf || lflf || crlflf) {
            return n <= 2 && (h[0] == '\r' || h[0] == '\n') ? readHead() : h;
          }
        }
        if (n > MAX_HEAD) {
          return head.toByteArray();
        }
      }
      return null;
    }

    byte[] readExactly(long n) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (long i = 0; i < n; i++) {
        int c = read();
        if (c < 0) {
          throw new BodyException("body-truncated", body.toByteArray());
        }
        body.write(c);
      }
      return body.toByteArray();
    }

    byte[] readUpTo(int n) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int i = 0; i < n; i++) {
        int c = read();
        if (c < 0) {
          break;
        }
        b.write(c);
      }
      return b.toByteArray();
    }

    void drainUntilEof() throws IOException {
      while (read() >= 0) {
        pos = lim;
      }
    }

    private String line(ByteArrayOutputStream body) throws IOException {
      StringBuilder s = new StringBuilder();
      while (true) {
        int c = read();
        if (c < 0) {
          throw new BodyException("chunk-truncated", body.toByteArray());
        }
        if (c == '\r') {
          int d = read();
          if (d != '\n') {
            throw new BodyException("chunk-bare-cr", body.toByteArray());
          }
          return s.toString();
        }
        if (c == '\n') {
          throw new BodyException("chunk-bare-lf", body.toByteArray());
        }
        if (s.length() > 4096) {
          throw new BodyException("chunk-line-too-long", body.toByteArray());
        }
        s.append((char) c);
      }
    }

    byte[] readChunked(List<String> anomalies) throws IOException {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = line(body);
        int semi = sizeLine.indexOf(';');
        String size = semi < 0 ? sizeLine : sizeLine.substring(0, semi);
        if (!size.matches("[0-9a-fA-F]{1,8}")) {
          throw new BodyException("chunk-size-invalid:" + printable(size), body.toByteArray());
        }
        if (semi >= 0 && !sizeLine.substring(semi).matches("(;[!#$%&'*+.^_`|~0-9A-Za-z-]+(=[^\\x00-\\x1f\\x7f]*)?)+")) {
          anomalies.add("chunk-ext-odd");
        }
        long n = Long.parseLong(size, 16);
        if (n == 0) {
          // trailers
          while (!line(body).isEmpty()) {
            anomalies.add("trailer");
          }
          return body.toByteArray();
        }
        for (long i = 0; i < n; i++) {
          int c = read();
          if (c < 0) {
            throw new BodyException("chunk-truncated", body.toByteArray());
          }
          body.write(c);
        }
        if (read() != '\r' || read() != '\n') {
          throw new BodyException("chunk-missing-crlf", body.toByteArray());
        }
      }
    }
  }

  /** RFC 9110 token and field-value syntax. */
  public static final class Syntax {
    private Syntax() {}

    public static boolean isTchar(int c) {
      return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    public static boolean isToken(String s) {
      if (s.isEmpty()) {
        return false;
      }
      for (int i = 0; i < s.length(); i++) {
        if (!isTchar(s.charAt(i))) {
          return false;
        }
      }
      return true;
    }

    /** field-value: VCHAR, obs-text, SP and HTAB; no CTLs (NUL, CR, LF, ...) and no DEL. */
    public static boolean isFieldValue(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c != '\t' && (c < 0x20 || c == 0x7f)) {
          return false;
        }
      }
      return true;
    }

    public static String trimOws(String s) {
      int a = 0;
      int b = s.length();
      while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
        a++;
      }
      while (b > a && (s.charAt(b - 1) == ' ' || s.charAt(b - 1) == '\t')) {
        b--;
      }
      return s.substring(a, b);
    }
  }
}
