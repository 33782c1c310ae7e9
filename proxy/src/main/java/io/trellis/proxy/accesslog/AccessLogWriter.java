package io.trellis.proxy.accesslog;

import io.trellis.proxy.stats.Counter;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one background thread that writes every access log line of the process. Event loops hand it formatted lines
 * through a bounded queue and never wait: when the queue is full the line is dropped and counted
 * ({@code access_log.dropped}). The writer drains the queue in batches, appends each sink's lines in one write, and
 * flushes after every batch, so a line reaches the file within one batch of being logged.
 */
final class AccessLogWriter {
  private static final Logger LOG = Logger.getLogger(AccessLogWriter.class.getName());
  static final int QUEUE_CAPACITY = Integer.getInteger("trellis.accesslog.queue", 65_536);
  private static final int BATCH = 1024;

  static final AccessLogWriter INSTANCE = new AccessLogWriter(QUEUE_CAPACITY);

  static {
    // Lines still queued when the process exits (after /quitquitquit or SIGTERM) are written, not lost.
    try {
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("trellis-access-log-flush").unstarted(
          () -> INSTANCE.shutdown(TimeUnit.SECONDS.toMillis(2))));
    } catch (IllegalStateException e) {
      // first access log built while the JVM is already shutting down: nothing to flush at exit yet
    }
  }

  private record Entry(Sink sink, String line) {}

  private final BlockingQueue<Entry> queue;
  private final Set<Sink> sinks = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private final Thread thread;
  private volatile boolean closing;

  AccessLogWriter(int capacity) {
    this(capacity, true);
  }

  /** {@code start=false} leaves the writer thread unstarted (tests of the full-queue path). */
  AccessLogWriter(int capacity, boolean start) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = Thread.ofPlatform().daemon().name("trellis-access-log").unstarted(this::run);
    if (start) {
      thread.start();
    }
  }

  /** Queues a line; never blocks. False (and counted by the sink) when the queue is full. */
  boolean offer(Sink sink, String line) {
    if (queue.offer(new Entry(sink, line))) {
      return true;
    }
    sink.dropped.inc();
    return false;
  }

  /**
   * Writes what is queued and stops the writer, waiting up to {@code millis}. Offers after this still queue but are
   * not written. (The writer is never interrupted: an interrupt would close the files' channels.)
   */
  void shutdown(long millis) {
    closing = true;
    queue.offer(new Entry(null, null));
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void register(Sink sink) {
    sinks.add(sink);
  }

  /** Asks every file sink to reopen its file before its next write (after log rotation moved it away). */
  void reopenAll() {
    List<Sink> all;
    synchronized (sinks) {
      all = new ArrayList<>(sinks);
    }
    for (Sink s : all) {
      s.reopenRequested = true;
    }
    queue.offer(new Entry(null, null)); // wake the writer so the reopen happens now
  }

  private void run() {
    List<Entry> batch = new ArrayList<>(BATCH);
    Set<Sink> dirty = Collections.newSetFromMap(new IdentityHashMap<>());
    while (true) {
      try {
        Entry first = queue.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          if (closing) {
            return;
          }
          reopenPending();
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        reopenPending();
        for (Entry e : batch) {
          if (e.sink() != null) {
            e.sink().buffer(e.line());
            dirty.add(e.sink());
          }
        }
        for (Sink s : dirty) {
          s.flush();
        }
        if (closing && queue.isEmpty()) {
          return;
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "access log writer", e);
      } finally {
        batch.clear();
        dirty.clear();
      }
    }
  }

  private void reopenPending() {
    List<Sink> all;
    synchronized (sinks) {
      all = new ArrayList<>(sinks);
    }
    for (Sink s : all) {
      if (s.reopenRequested) {
        s.reopenRequested = false;
        s.reopen();
      }
    }
  }

  /** Where lines go: a file (opened when config is applied), or the process' stdout/stderr. */
  static final class Sink {
    final String description;
    private final Path path;
    private final FileDescriptor fd;
    private OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(8192);
    volatile boolean reopenRequested;
    final Counter dropped;
    final Counter writeFailed;
    final Counter reopenFailed;
    final Counter written;

    private Sink(String description, Path path, FileDescriptor fd, OutputStream out, Counters c) {
      this.description = description;
      this.path = path;
      this.fd = fd;
      this.out = out;
      this.dropped = c.dropped();
      this.writeFailed = c.writeFailed();
      this.reopenFailed = c.reopenFailed();
      this.written = c.written();
    }

    record Counters(Counter dropped, Counter writeFailed, Counter reopenFailed, Counter written) {}

    /** Opens {@code path} for appending now (config time), creating it if needed. */
    static Sink file(Path path, Counters c) throws IOException {
      return new Sink(path.toString(), path, null, open(path), c);
    }

    static Sink stream(FileDescriptor fd, String name, Counters c) {
      return new Sink(name, null, fd, new FileOutputStream(fd), c);
    }

    private static OutputStream open(Path path) throws IOException {
      if (path.startsWith("/dev/")) {
        return Files.newOutputStream(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      }
      return Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
    }

    void buffer(String line) {
      byte[] b = line.getBytes(StandardCharsets.UTF_8);
      pending.write(b, 0, b.length);
    }

    void flush() {
      if (pending.size() == 0) {
        return;
      }
      try {
        pending.writeTo(out);
        out.flush();
        written.inc();
      } catch (IOException e) {
        writeFailed.inc();
        LOG.log(Level.FINE, "access log write to " + description + " failed", e);
      } finally {
        pending.reset();
      }
    }

    void reopen() {
      if (path == null) {
        return;
      }
      try {
        OutputStream fresh = open(path);
        try {
          out.close();
        } catch (IOException e) {
          // the old file is gone or broken; the new one is what matters
        }
        out = fresh;
      } catch (IOException e) {
        reopenFailed.inc();
        LOG.log(Level.WARNING, "cannot reopen access log " + description + ": " + e.getMessage());
      }
    }

    boolean isStream() {
      return fd != null;
    }
  }
}
