package io.workerhealth.demo;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a step again and again on its own daemon thread, a fixed delay apart, as a controller's sync loop does; a step
 * that throws is logged and the next one tries again.
 */
public final class RepeatingTask implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RepeatingTask.class);

  private final ScheduledExecutorService executor;

  private RepeatingTask(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  public static RepeatingTask start(String name, Duration delay, Runnable step) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(() -> {
      try {
        step.run();
      } catch (RuntimeException e) {
        LOG.warn("{}: {}", name, e.toString());
      }
    }, 0, delay.toMillis(), TimeUnit.MILLISECONDS);
    return new RepeatingTask(executor);
  }

  /** Stops; waits for a step under way to end. */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
