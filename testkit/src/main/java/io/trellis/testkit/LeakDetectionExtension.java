package io.trellis.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector reports a leaked buffer during it. Registered for every test through
 * JUnit's extension auto-detection (see the surefire configuration); tests run with
 * {@code -Dio.netty.leakDetection.level=paranoid}.
 *
 * <p>Netty reports a leak only when a leaked buffer has been garbage collected and a later allocation polls the
 * reference queue, so after each class this forces a few GC + allocation rounds before it looks.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterAllCallback {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
  private static volatile boolean installed;

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
    LEAKS.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    for (int i = 0; i < 3; i++) {
      System.gc();
      System.runFinalization();
      for (int j = 0; j < 200; j++) {
        ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
        a.release();
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
        b.release();
      }
    }
    if (!LEAKS.isEmpty()) {
      String first = LEAKS.get(0);
      int n = LEAKS.size();
      LEAKS.clear();
      throw new AssertionError("Netty reported " + n + " buffer leak(s) in " + context.getDisplayName()
          + "; first:\n" + first);
    }
  }

  /** Captures Netty's leak reports; safe to call more than once. */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    if (ResourceLeakDetector.getLevel().ordinal() < ResourceLeakDetector.Level.PARANOID.ordinal()) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }
    Logger logger = Logger.getLogger(ResourceLeakDetector.class.getName());
    logger.addHandler(new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.SEVERE.intValue() && r.getMessage() != null
            && r.getMessage().contains("LEAK")) {
          LEAKS.add(r.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
    installed = true;
  }

  /** Leaks seen so far (for tests of this extension). */
  public static List<String> leaks() {
    return List.copyOf(LEAKS);
  }
}
