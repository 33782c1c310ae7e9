package io.trellis.testkit.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client on a plain {@link Socket} that writes exactly the bytes it is given and reads responses with a
 * deadline. It parses responses strictly enough to tell where one ends (HEAD, 1xx, 204 and 304 have no body; chunked;
 * Content-Length; else until close), which is what pipelining and desync checks need.
 */
public final class RawHttp1Client implements AutoCloseable {

  /**
   * One response.
   *
   * @param version e.g. {@code HTTP/1.1}
   * @param status the status code
   * @param headers header fields in order
   * @param body the body (de-chunked)
   * @param chunked whether the body was chunked
   */
  public record Response(String version, int status, List<Map.Entry<String, String>> headers, byte[] body,
      boolean chunked) {
    public String header(String name) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }

    public boolean hasHeader(String name) {
      return header(name) != null;
    }

    /** The {@code x-upstream-target} the recording upstream put on the response, or null for a local reply. */
    public String upstreamTarget() {
      return header("x-upstream-target");
    }

    public String bodyText() {
      return new String(body, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
      return version + " " + status + (upstreamTarget() == null ? " (local)" : " from " + upstreamTarget());
    }
  }

  /**
   * What came back on a connection until it closed or the deadline passed.
   *
   * @param responses complete responses in order
   * @param closed whether the server closed (EOF or reset) before the deadline
   * @param timedOut whether the deadline passed with the connection still open
   * @param garbage bytes that did not parse as a response (printable form), "" when none
   */
  public record Exchange(List<Response> responses, boolean closed, boolean timedOut, String garbage) {
    public Response first() {
      return responses.isEmpty() ? null : responses.get(0);
    }

    public int firstStatus() {
      return responses.isEmpty() ? -1 : responses.get(0).status();
    }

    @Override
    public String toString() {
      return responses + (closed ? " +close" : "") + (timedOut ? " +timeout" : "")
          + (garbage.isEmpty() ? "" : " garbage=" + garbage);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] buf = new byte[16 * 1024];
  private int pos;
  private int lim;
  private boolean eof;

  private RawHttp1Client(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  public static RawHttp1Client connect(InetSocketAddress address) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(address, 2000);
    return new RawHttp1Client(s);
  }

  public Socket socket() {
    return socket;
  }

  public RawHttp1Client send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  public RawHttp1Client send(String latin1) throws IOException {
    return send(latin1.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Reads responses until the server closes or {@code timeout} passes. {@code headRequests} says, by position, which
   * responses answer HEAD requests (no body); positions beyond it are non-HEAD.
   */
  public Exchange readAll(Duration timeout, boolean... headRequests) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Response> responses = new ArrayList<>();
    try {
      while (true) {
        boolean head = responses.size() < headRequests.length && headRequests[responses.size()];
        Response r = readResponse(deadline, head);
        if (r == null) {
          return new Exchange(responses, true, false, "");
        }
        responses.add(r);
      }
    } catch (SocketTimeoutException e) {
      return new Exchange(responses, false, true, "");
    } catch (MalformedResponse e) {
      return new Exchange(responses, eof, !eof, e.getMessage());
    } catch (IOException e) {
      return new Exchange(responses, true, false, "");
    }
  }

  /** Reads exactly one response, or null when the connection closed first; throws on timeout. */
  public Response readOne(Duration timeout, boolean head) throws IOException {
    return readResponse(System.nanoTime() + timeout.toNanos(), head);
  }

  /** Reads one response; an interim (1xx) response is returned as is. */
  private Response readResponse(long deadline, boolean head) throws IOException {
    String statusLine = readLine(deadline, true);
    if (statusLine == null) {
      return null;
    }
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].matches("HTTP/1\\.[01]") || !parts[1].matches("[1-5][0-9][0-9]")) {
      throw new MalformedResponse("status-line:" + RecordingUpstream.printable(statusLine));
    }
    int status = Integer.parseInt(parts[1]);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    while (true) {
      String line = readLine(deadline, false);
      if (line == null) {
        throw new MalformedResponse("eof-in-headers");
      }
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new MalformedResponse("header:" + RecordingUpstream.printable(line));
      }
      headers.add(Map.entry(line.substring(0, colon), RecordingUpstream.Syntax.trimOws(line.substring(colon + 1))));
    }
    Response probe = new Response(parts[0], status, headers, new byte[0], false);
    if (head || status < 200 || status == 204 || status == 304) {
      return probe;
    }
    String te = probe.header("transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).endsWith("chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String size = readLine(deadline, false);
        if (size == null) {
          throw new MalformedResponse("eof-in-chunked");
        }
        int semi = size.indexOf(';');
        long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        if (n == 0) {
          String t;
          while ((t = readLine(deadline, false)) != null && !t.isEmpty()) {
            // trailer fields are ignored
          }
          return new Response(parts[0], status, headers, body.toByteArray(), true);
        }
        body.writeBytes(readBytes(n, deadline));
        readLine(deadline, false);
      }
    }
    String cl = probe.header("content-length");
    if (cl != null) {
      return new Response(parts[0], status, headers, readBytes(Long.parseLong(cl.trim()), deadline), false);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int c;
    while ((c = read(deadline)) >= 0) {
      body.write(c);
    }
    return new Response(parts[0], status, headers, body.toByteArray(), false);
  }

  /** Reads until the server closes the connection; true when it did before {@code timeout}. */
  public boolean awaitClosed(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (read(deadline) >= 0) {
        pos = lim;
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private byte[] readBytes(long n, long deadline) throws IOException {
    if (n > 64L * 1024 * 1024) {
      throw new MalformedResponse("body too large: " + n);
    }
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (long i = 0; i < n; i++) {
      int c = read(deadline);
      if (c < 0) {
        throw new MalformedResponse("eof-in-body");
      }
      b.write(c);
    }
    return b.toByteArray();
  }

  private String readLine(long deadline, boolean first) throws IOException {
    StringBuilder s = new StringBuilder();
    while (true) {
      int c = read(deadline);
      if (c < 0) {
        if (first && s.isEmpty()) {
          return null;
        }
        throw new MalformedResponse("eof-in-line:" + RecordingUpstream.printable(s.toString()));
      }
      if (c == '\n') {
        if (!s.isEmpty() && s.charAt(s.length() - 1) == '\r') {
          s.setLength(s.length() - 1);
        }
        return s.toString();
      }
      if (s.length() > 128 * 1024) {
        throw new MalformedResponse("line too long");
      }
      s.append((char) c);
    }
  }

  private int read(long deadline) throws IOException {
    if (pos < lim) {
      return buf[pos++] & 0xff;
    }
    if (eof) {
      return -1;
    }
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException("deadline");
    }
    socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
    int n;
    try {
      n = in.read(buf, 0, buf.length);
    } catch (SocketException e) {
      eof = true;
      return -1;
    }
    if (n < 0) {
      eof = true;
      return -1;
    }
    pos = 0;
    lim = n;
    return buf[pos++] & 0xff;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  private static final class MalformedResponse extends IOException {
    MalformedResponse(String message) {
      super(message);
    }
  }
}
