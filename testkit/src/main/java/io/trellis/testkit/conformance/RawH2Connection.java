package io.trellis.testkit.conformance;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTP/2 client over a plain socket that writes hand-built frames (any type, flags, stream id and payload, valid
 * or not) and reads the server's frames with a deadline. Header blocks it receives are decoded with Netty's HPACK
 * decoder so the dynamic table stays in sync; header blocks it sends come from {@link Hpack}.
 */
public final class RawH2Connection implements AutoCloseable {
  public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  public static final int DATA = 0;
  public static final int HEADERS = 1;
  public static final int PRIORITY = 2;
  public static final int RST_STREAM = 3;
  public static final int SETTINGS = 4;
  public static final int PUSH_PROMISE = 5;
  public static final int PING = 6;
  public static final int GOAWAY = 7;
  public static final int WINDOW_UPDATE = 8;
  public static final int CONTINUATION = 9;

  public static final int END_STREAM = 0x1;
  public static final int ACK = 0x1;
  public static final int END_HEADERS = 0x4;
  public static final int PADDED = 0x8;
  public static final int PRIORITY_FLAG = 0x20;

  public static final int NO_ERROR = 0x0;
  public static final int PROTOCOL_ERROR = 0x1;
  public static final int INTERNAL_ERROR = 0x2;
  public static final int FLOW_CONTROL_ERROR = 0x3;
  public static final int STREAM_CLOSED = 0x5;
  public static final int FRAME_SIZE_ERROR = 0x6;
  public static final int REFUSED_STREAM = 0x7;
  public static final int CANCEL = 0x8;
  public static final int COMPRESSION_ERROR = 0x9;
  public static final int ENHANCE_YOUR_CALM = 0xb;

  /** A frame as read; {@code headers} is set on a HEADERS frame once its whole block has arrived. */
  public record Frame(int type, int flags, int streamId, byte[] payload, Http2Headers headers) {
    public boolean has(int flag) {
      return (flags & flag) != 0;
    }

    /** The error code of a RST_STREAM or GOAWAY frame. */
    public int errorCode() {
      ByteBuffer b = ByteBuffer.wrap(payload);
      return type == GOAWAY ? b.getInt(4) : b.getInt(0);
    }

    @Override
    public String toString() {
      return name(type) + "(stream=" + streamId + ", flags=0x" + Integer.toHexString(flags)
          + (type == RST_STREAM || type == GOAWAY ? ", error=" + errorName(errorCode()) : "")
          + (headers != null ? ", " + headers : "") + ", len=" + payload.length + ")";
    }
  }

  /** How a wait ended. */
  public enum Kind { GOAWAY, RST_STREAM, RESPONSE, CLOSED, TIMEOUT }

  /**
   * The result of waiting for a connection- or stream-level outcome.
   *
   * @param kind what ended the wait
   * @param errorCode the GOAWAY or RST_STREAM error code, else -1
   * @param status the response's {@code :status} for RESPONSE, else -1
   * @param body the response body for RESPONSE
   * @param frames how many frames were read while waiting
   */
  public record Outcome(Kind kind, int errorCode, int status, byte[] body, int frames, boolean closed) {
    /** h2spec's rule: a connection error shows as GOAWAY with the code, or the connection closing. */
    public boolean connectionError(int code) {
      return kind == Kind.CLOSED || closed || kind == Kind.GOAWAY && errorCode == code;
    }

    /** h2spec's rule: a stream error shows as RST_STREAM or GOAWAY with the code, or the connection closing. */
    public boolean streamError(int code) {
      return kind == Kind.CLOSED || closed || (kind == Kind.GOAWAY || kind == Kind.RST_STREAM) && errorCode == code;
    }

    /** Whether the error code was the expected one (not just a close or a GOAWAY with another code). */
    public boolean exactCode(int code) {
      return (kind == Kind.GOAWAY || kind == Kind.RST_STREAM) && errorCode == code;
    }

    public boolean endedOrRefused() {
      return kind == Kind.CLOSED || kind == Kind.GOAWAY || kind == Kind.RST_STREAM;
    }

    @Override
    public String toString() {
      return switch (kind) {
        case GOAWAY -> "GOAWAY(" + errorName(errorCode) + ")";
        case RST_STREAM -> "RST_STREAM(" + errorName(errorCode) + ")";
        case RESPONSE -> "response " + status;
        default -> kind.name();
      } + (closed && kind != Kind.CLOSED ? "+close" : "");
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, 1L << 20);
  private final Map<Integer, Long> serverSettings = new LinkedHashMap<>();
  private final ByteArrayOutputStream pendingBlock = new ByteArrayOutputStream();
  private int pendingBlockStream;
  private int pendingBlockFlags;
  private boolean autoAckSettings = true;
  private volatile boolean writeFailed;
  private boolean eof;

  private RawH2Connection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Connects; {@code receiveBuffer > 0} shrinks the socket's receive buffer (a client that reads slowly). */
  public static RawH2Connection connect(InetSocketAddress address, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.setTcpNoDelay(true);
    s.connect(address, 2000);
    return new RawH2Connection(s);
  }

  public static RawH2Connection connect(InetSocketAddress address) throws IOException {
    return connect(address, 0);
  }

  /** Sends the preface and an empty SETTINGS, then reads until the server's SETTINGS (acked) arrives. */
  public RawH2Connection handshake() throws IOException {
    return handshake(new byte[0]);
  }

  /** Sends the preface and a SETTINGS frame with {@code settingsPayload}, then waits for the server's SETTINGS. */
  public RawH2Connection handshake(byte[] settingsPayload) throws IOException {
    writeRaw(PREFACE);
    write(SETTINGS, 0, 0, settingsPayload);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (serverSettings.isEmpty()) {
      Frame f = read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (f == null) {
        throw new IOException("no SETTINGS from server (timeout or close)");
      }
      if (f.type() == GOAWAY) {
        throw new IOException("GOAWAY during handshake: " + f);
      }
    }
    return this;
  }

  public Map<Integer, Long> serverSettings() {
    return serverSettings;
  }

  public void autoAckSettings(boolean on) {
    this.autoAckSettings = on;
  }

  public Socket socket() {
    return socket;
  }

  // ---- writing

  public static byte[] frame(int type, int flags, int streamId, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
    b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
    b.put((byte) type).put((byte) flags).putInt(streamId);
    b.put(payload);
    return b.array();
  }

  public static byte[] settings(int... idValuePairs) {
    ByteBuffer b = ByteBuffer.allocate(idValuePairs.length / 2 * 6);
    for (int i = 0; i + 1 < idValuePairs.length; i += 2) {
      b.putShort((short) idValuePairs[i]).putInt(idValuePairs[i + 1]);
    }
    return b.array();
  }

  public static byte[] int32(int v) {
    return ByteBuffer.allocate(4).putInt(v).array();
  }

  public static byte[] goaway(int lastStream, int code) {
    return ByteBuffer.allocate(8).putInt(lastStream).putInt(code).array();
  }

  /** PRIORITY payload: exclusive bit, dependency, weight-1. */
  public static byte[] priority(boolean exclusive, int dependency, int weight) {
    return ByteBuffer.allocate(5).putInt((exclusive ? 0x80000000 : 0) | dependency).put((byte) (weight - 1)).array();
  }

  public RawH2Connection write(int type, int flags, int streamId, byte[] payload) throws IOException {
    return writeRaw(frame(type, flags, streamId, payload));
  }

  public RawH2Connection headers(int streamId, Hpack block, boolean endStream) throws IOException {
    return write(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, block.bytes());
  }

  public RawH2Connection data(int streamId, byte[] data, boolean endStream) throws IOException {
    return write(DATA, endStream ? END_STREAM : 0, streamId, data);
  }

  public RawH2Connection writeRaw(byte[] bytes) throws IOException {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      writeFailed = true;
      throw e;
    }
    return this;
  }

  /**
   * Writes {@code bytes} from a helper thread and waits at most {@code timeout}: a server that stops reading cannot
   * block the test. Returns true when all bytes were written; false when the write failed (the server closed or
   * reset) or is still blocked at the deadline.
   */
  public boolean writeBounded(byte[] bytes, Duration timeout) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    Thread.ofVirtual().name("h2-flood-writer").start(() -> {
      try {
        out.write(bytes);
        out.flush();
        done.complete(true);
      } catch (IOException e) {
        writeFailed = true;
        done.complete(false);
      }
    });
    try {
      return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  /** Whether a write failed because the server closed or reset the connection. */
  public boolean writeFailed() {
    return writeFailed;
  }

  // ---- reading

  /** Reads the next frame, or null when the connection closed or {@code timeout} passed ({@link #eof()} tells). */
  public Frame read(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      byte[] header = readFully(9, deadline);
      if (header == null) {
        return null;
      }
      int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
      int type = header[3] & 0xff;
      int flags = header[4] & 0xff;
      int stream = ByteBuffer.wrap(header, 5, 4).getInt() & 0x7fffffff;
      byte[] payload = readFully(length, deadline);
      if (payload == null) {
        return null;
      }
      Frame f = new Frame(type, flags, stream, payload, null);
      if (type == SETTINGS && (flags & ACK) == 0) {
        ByteBuffer b = ByteBuffer.wrap(payload);
        while (b.remaining() >= 6) {
          serverSettings.put(b.getShort() & 0xffff, b.getInt() & 0xffffffffL);
        }
        if (serverSettings.isEmpty()) {
          serverSettings.put(-1, 0L);
        }
        if (autoAckSettings) {
          write(SETTINGS, ACK, 0, new byte[0]);
        }
      }
      if (type == HEADERS || type == PUSH_PROMISE) {
        byte[] fragment = headerFragment(f);
        pendingBlock.reset();
        pendingBlock.writeBytes(fragment);
        pendingBlockStream = stream;
        pendingBlockFlags = flags;
        if ((flags & END_HEADERS) == 0) {
          continue;
        }
        return new Frame(type, pendingBlockFlags, stream, payload, decode());
      }
      if (type == CONTINUATION && stream == pendingBlockStream) {
        pendingBlock.writeBytes(payload);
        if ((flags & END_HEADERS) == 0) {
          continue;
        }
        return new Frame(HEADERS, pendingBlockFlags, stream, payload, decode());
      }
      return f;
    }
  }

  public boolean eof() {
    return eof;
  }

  private Http2Headers decode() throws IOException {
    ByteBuf buf = Unpooled.wrappedBuffer(pendingBlock.toByteArray());
    try {
      return decoder.decodeHeaders(pendingBlockStream, buf);
    } catch (Http2Exception e) {
      throw new IOException("cannot decode server header block: " + e.getMessage(), e);
    } finally {
      buf.release();
      pendingBlock.reset();
    }
  }

  private static byte[] headerFragment(Frame f) {
    int start = 0;
    int end = f.payload().length;
    if (f.has(PADDED)) {
      int pad = f.payload()[0] & 0xff;
      start = 1;
      end -= pad;
    }
    if (f.type() == HEADERS && f.has(PRIORITY_FLAG)) {
      start += 5;
    }
    if (f.type() == PUSH_PROMISE) {
      start += 4;
    }
    if (start > end) {
      return new byte[0];
    }
    byte[] r = new byte[end - start];
    System.arraycopy(f.payload(), start, r, 0, r.length);
    return r;
  }

  /**
   * Reads until GOAWAY or close, skipping everything else; TIMEOUT when neither comes. After a first GOAWAY it keeps
   * reading (at most one more second, until close) because a server may send a graceful GOAWAY(NO_ERROR) before the
   * one that carries the error; the outcome reports the first GOAWAY with a non-zero code, else the first one.
   */
  public Outcome awaitGoawayOrClose(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int frames = 0;
    int goaway = -1;
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return goaway >= 0 ? new Outcome(Kind.GOAWAY, goaway, -1, new byte[0], frames, eof)
              : new Outcome(Kind.TIMEOUT, -1, -1, new byte[0], frames, eof);
        }
        Frame f = read(Duration.ofNanos(left));
        if (f == null) {
          if (goaway >= 0) {
            return new Outcome(Kind.GOAWAY, goaway, -1, new byte[0], frames, eof);
          }
          return new Outcome(eof ? Kind.CLOSED : Kind.TIMEOUT, -1, -1, new byte[0], frames, eof);
        }
        frames++;
        if (f.type() == GOAWAY) {
          if (goaway <= 0) {
            goaway = f.errorCode();
          }
          if (goaway > 0) {
            return new Outcome(Kind.GOAWAY, goaway, -1, new byte[0], frames, eof);
          }
          deadline = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        }
      }
    } catch (IOException e) {
      return goaway >= 0 ? new Outcome(Kind.GOAWAY, goaway, -1, new byte[0], frames, true)
          : new Outcome(Kind.CLOSED, -1, -1, new byte[0], frames, true);
    }
  }

  /**
   * Reads until the stream ends (a response with END_STREAM, or RST_STREAM for it) or the connection ends (GOAWAY,
   * close), or {@code timeout} passes.
   */
  public Outcome awaitStream(int streamId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int frames = 0;
    int status = -1;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return new Outcome(Kind.TIMEOUT, -1, status, body.toByteArray(), frames, eof);
        }
        Frame f = read(Duration.ofNanos(left));
        if (f == null) {
          return new Outcome(eof ? Kind.CLOSED : Kind.TIMEOUT, -1, status, body.toByteArray(), frames, eof);
        }
        frames++;
        if (f.type() == GOAWAY) {
          if (f.errorCode() == NO_ERROR && ByteBuffer.wrap(f.payload()).getInt(0) >= streamId) {
            continue;
          }
          if (f.errorCode() == NO_ERROR) {
            Outcome more = awaitGoawayOrClose(Duration.ofSeconds(1));
            int code = more.kind() == Kind.GOAWAY ? more.errorCode() : NO_ERROR;
            return new Outcome(Kind.GOAWAY, code, status, body.toByteArray(), frames + more.frames(), more.closed());
          }
          return new Outcome(Kind.GOAWAY, f.errorCode(), status, body.toByteArray(), frames, eof);
        }
        if (f.streamId() != streamId) {
          continue;
        }
        switch (f.type()) {
          case RST_STREAM -> {
            return new Outcome(Kind.RST_STREAM, f.errorCode(), status, body.toByteArray(), frames, eof);
          }
          case HEADERS -> {
            if (f.headers() != null && f.headers().status() != null) {
              int s = Integer.parseInt(f.headers().status().toString());
              if (s >= 200) {
                status = s;
              }
            }
            if (f.has(END_STREAM) && status >= 200) {
              return new Outcome(Kind.RESPONSE, -1, status, body.toByteArray(), frames, eof);
            }
          }
          case DATA -> {
            body.writeBytes(f.payload());
            if (f.payload().length > 0) {
              write(WINDOW_UPDATE, 0, 0, int32(f.payload().length));
              write(WINDOW_UPDATE, 0, streamId, int32(f.payload().length));
            }
            if (f.has(END_STREAM)) {
              return new Outcome(Kind.RESPONSE, -1, status, body.toByteArray(), frames, eof);
            }
          }
          default -> {
            // other frames on the stream are ignored
          }
        }
      }
    } catch (IOException e) {
      return new Outcome(Kind.CLOSED, -1, status, body.toByteArray(), frames, true);
    }
  }

  /** Sends a PING and waits for its ACK; true when the connection is alive and answering. */
  public boolean ping(Duration timeout) {
    byte[] payload = "trellis!".getBytes(StandardCharsets.US_ASCII);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      write(PING, 0, 0, payload);
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        Frame f = read(Duration.ofNanos(left));
        if (f == null || f.type() == GOAWAY) {
          return false;
        }
        if (f.type() == PING && f.has(ACK) && java.util.Arrays.equals(f.payload(), payload)) {
          return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
  }

  private byte[] readFully(int n, long deadline) throws IOException {
    byte[] b = new byte[n];
    int off = 0;
    while (off < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return null;
      }
      socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
      int k;
      try {
        k = in.read(b, off, n - off);
      } catch (SocketTimeoutException e) {
        return null;
      } catch (SocketException e) {
        eof = true;
        return null;
      }
      if (k < 0) {
        eof = true;
        return null;
      }
      off += k;
    }
    return b;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  public static String name(int type) {
    return switch (type) {
      case DATA -> "DATA";
      case HEADERS -> "HEADERS";
      case PRIORITY -> "PRIORITY";
      case RST_STREAM -> "RST_STREAM";
      case SETTINGS -> "SETTINGS";
      case PUSH_PROMISE -> "PUSH_PROMISE";
      case PING -> "PING";
      case GOAWAY -> "GOAWAY";
      case WINDOW_UPDATE -> "WINDOW_UPDATE";
      case CONTINUATION -> "CONTINUATION";
      default -> "UNKNOWN_" + type;
    };
  }

  public static String errorName(int code) {
    return switch (code) {
      case 0x0 -> "NO_ERROR";
      case 0x1 -> "PROTOCOL_ERROR";
      case 0x2 -> "INTERNAL_ERROR";
      case 0x3 -> "FLOW_CONTROL_ERROR";
      case 0x4 -> "SETTINGS_TIMEOUT";
      case 0x5 -> "STREAM_CLOSED";
      case 0x6 -> "FRAME_SIZE_ERROR";
      case 0x7 -> "REFUSED_STREAM";
      case 0x8 -> "CANCEL";
      case 0x9 -> "COMPRESSION_ERROR";
      case 0xa -> "CONNECT_ERROR";
      case 0xb -> "ENHANCE_YOUR_CALM";
      case 0xc -> "INADEQUATE_SECURITY";
      case 0xd -> "HTTP_1_1_REQUIRED";
      default -> "0x" + Integer.toHexString(code);
    };
  }
}
