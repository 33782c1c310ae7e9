package io.trellis.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.trellis.proxy.server.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The open-loop engine. A constant-rate schedule gives each request an intended send time; when it is due, the request
 * takes a free slot (a connection with room for one more request) or waits in a queue for one, and that wait counts in
 * its latency. All state lives on one event loop.
 */
final class Engine {
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  final LoadOptions options;
  final EventLoop loop;
  private final Bootstrap bootstrap;
  private final Function<Engine, Conn> connFactory;
  private final ArrayDeque<Conn> slots = new ArrayDeque<>();
  private final LongQueue pending = new LongQueue();
  private final List<Conn> conns = new ArrayList<>();
  private final Set<String> notes = new LinkedHashSet<>();
  private final SplittableRandom random = new SplittableRandom(42);
  private final long timeoutNanos;
  private final long maxReconnects;
  private CompletableFuture<Void> allConnected = new CompletableFuture<>();
  private boolean closing;

  Recorder rec = new Recorder();
  long opened;
  long reconnects;
  long connectFailures;
  long peerCloses;

  private long periodNanos;
  private long phaseStart;
  private long planned;
  private long nextIndex;
  private long nextIntended;
  private boolean scheduling;
  private CompletableFuture<Void> drained;
  private ScheduledFuture<?> sweeper;

  Engine(LoadOptions options, EventLoop loop, Function<Engine, Conn> connFactory) {
    this.options = options;
    this.loop = loop;
    this.connFactory = connFactory;
    this.timeoutNanos = options.timeout().toNanos();
    this.maxReconnects = 2L * options.connections() + 10;
    this.bootstrap = new Bootstrap().group(loop).channel(Transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
  }

  /** Opens the planned connections; completes when all are up, fails on the first that cannot connect. */
  CompletableFuture<Void> connectAll() {
    loop.execute(() -> {
      for (int i = 0; i < options.connections(); i++) {
        open();
      }
      sweeper = loop.scheduleAtFixedRate(this::sweep, SWEEP_NANOS, SWEEP_NANOS, TimeUnit.NANOSECONDS);
    });
    return allConnected;
  }

  private void open() {
    Conn conn = connFactory.apply(this);
    conns.add(conn);
    opened++;
    ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        conn.channel = ch;
        ConnFactories.initPipeline(Engine.this, ch, conn);
      }
    }).connect(options.host(), options.port());
    f.addListener(done -> {
      if (!done.isSuccess()) {
        connectFailures++;
        conn.dead = true;
        conns.remove(conn);
        note("connect failed: " + done.cause());
        allConnected.completeExceptionally(done.cause());
      }
    });
  }

  void connectionUp(Conn conn) {
    if (conn.dead) {
      return;
    }
    for (int i = 0; i < conn.capacity(); i++) {
      slots.add(conn);
    }
    long up = conns.stream().filter(c -> c.active).count();
    if (up == options.connections()) {
      allConnected.complete(null);
    }
    drainPending();
  }

  void connectionLost(Conn conn, boolean timedOut) {
    if (conn.dead) {
      return;
    }
    conn.dead = true;
    conns.remove(conn);
    int lost = conn.abandonAll();
    if (timedOut) {
      rec.timeouts += lost;
    } else {
      rec.resets += lost;
      if (lost == 0 && !closing) {
        peerCloses++;
      }
    }
    if (conn.channel != null) {
      conn.channel.close();
    }
    if (!closing && reconnects < maxReconnects) {
      reconnects++;
      open();
    } else if (!closing) {
      note("gave up reconnecting after " + reconnects + " reconnects");
    }
    checkDrained();
  }

  /** Starts a phase of {@code count} requests at the planned rate, its first intended at {@code startNanos}. */
  CompletableFuture<Void> startPhase(Recorder recorder, long startNanos, long count) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      rec = recorder;
      periodNanos = Math.round(1e9 / options.rate());
      phaseStart = startNanos;
      planned = count;
      nextIndex = 0;
      nextIntended = intendedAt(0);
      rec.windowEndNanos = startNanos + count * periodNanos;
      drained = done;
      scheduling = count > 0;
      if (scheduling) {
        loop.schedule(this::tick, Math.max(0, nextIntended - System.nanoTime()), TimeUnit.NANOSECONDS);
        // Bound the phase: whatever is still in flight a timeout after the schedule ends is counted as unfinished.
        long deadline = rec.windowEndNanos + timeoutNanos + TimeUnit.SECONDS.toNanos(1);
        loop.schedule(this::forceEnd, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      } else {
        checkDrained();
      }
    });
    return done;
  }

  private long intendedAt(long i) {
    long t = phaseStart + i * periodNanos;
    if (options.jitter() > 0) {
      t += (long) ((random.nextDouble() * 2 - 1) * options.jitter() * periodNanos);
    }
    return t;
  }

  private void tick() {
    if (!scheduling) {
      return;
    }
    long now = System.nanoTime();
    while (nextIndex < planned && nextIntended <= now) {
      dispatch(nextIntended);
      nextIndex++;
      nextIntended = intendedAt(nextIndex);
    }
    if (nextIndex < planned) {
      loop.schedule(this::tick, nextIntended - System.nanoTime(), TimeUnit.NANOSECONDS);
    } else {
      scheduling = false;
      checkDrained();
    }
  }

  private void dispatch(long intended) {
    Conn c = freeSlot();
    if (c == null) {
      pending.add(intended);
    } else {
      c.send(intended);
    }
  }

  private Conn freeSlot() {
    while (!slots.isEmpty()) {
      Conn c = slots.poll();
      if (!c.dead && c.active) {
        return c;
      }
    }
    return null;
  }

  /** Called by a connection when one of its requests finished (successfully or not) and its slot is free again. */
  void released(Conn c) {
    if (!c.dead) {
      slots.add(c);
    }
    drainPending();
    checkDrained();
  }

  private void drainPending() {
    while (!pending.isEmpty()) {
      Conn c = freeSlot();
      if (c == null) {
        return;
      }
      c.send(pending.poll());
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    while (!pending.isEmpty() && now - pending.peek() > timeoutNanos) {
      pending.poll();
      rec.timeouts++;
    }
    for (Conn c : List.copyOf(conns)) {
      if (c.inflight() > 0 && now - c.oldestSendNanos() > timeoutNanos) {
        note("request timed out after " + options.timeout());
        connectionLost(c, true);
      }
    }
    checkDrained();
  }

  private void forceEnd() {
    if (drained == null || drained.isDone()) {
      return;
    }
    scheduling = false;
    long left = pending.size();
    pending.clear();
    for (Conn c : conns) {
      left += c.inflight();
    }
    if (left > 0) {
      rec.unfinished += left;
      note(left + " requests unfinished at the end of the phase");
    }
    drained.complete(null);
  }

  private void checkDrained() {
    if (drained == null || drained.isDone() || scheduling || !pending.isEmpty()) {
      return;
    }
    for (Conn c : conns) {
      if (c.inflight() > 0) {
        return;
      }
    }
    drained.complete(null);
  }

  void note(String s) {
    if (notes.size() < 20) {
      notes.add(s);
    }
  }

  List<String> notes() {
    return List.copyOf(notes);
  }

  long activeConnections() {
    return conns.stream().filter(c -> c.active && !c.dead).count();
  }

  /** Closes every connection; completes when they are closed. */
  CompletableFuture<Void> close() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      closing = true;
      if (sweeper != null) {
        sweeper.cancel(false);
      }
      List<ChannelFuture> closes = new ArrayList<>();
      for (Conn c : List.copyOf(conns)) {
        if (c.channel != null) {
          closes.add(c.channel.close());
        }
      }
      if (closes.isEmpty()) {
        done.complete(null);
        return;
      }
      int[] left = {closes.size()};
      for (ChannelFuture f : closes) {
        f.addListener(x -> {
          if (--left[0] == 0) {
            done.complete(null);
          }
        });
      }
    });
    return done;
  }
}
