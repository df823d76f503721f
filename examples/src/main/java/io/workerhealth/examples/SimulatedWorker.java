package io.workerhealth.examples;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker loop standing in for a real one (an HTTP server, a queue consumer): each tick it handles one unit of work,
 * but only while the supervisor holds it healthy. A failed worker really stops working, as a crashed consumer would.
 */
public final class SimulatedWorker implements Runnable {

  private final String name;
  private final WorkerSupervisor supervisor;
  private final Duration tick;
  private final AtomicLong processed = new AtomicLong();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running;

  public SimulatedWorker(String name, WorkerSupervisor supervisor, Duration tick) {
    supervisor.isHealthy(name); // rejects a name the supervisor does not know
    if (tick.isNegative() || tick.isZero()) {
      throw new IllegalArgumentException("a worker tick must be positive, got " + tick);
    }
    this.name = name;
    this.supervisor = supervisor;
    this.tick = tick;
  }

  public String name() {
    return name;
  }

  /** Units of work handled so far. */
  public long processed() {
    return processed.get();
  }

  /** Handles one unit of work if the worker is healthy; returns whether it did. */
  public boolean step() {
    if (!supervisor.isHealthy(name)) {
      return false;
    }
    processed.incrementAndGet();
    return true;
  }

  /** Whether the loop is running on a thread now. */
  public boolean isRunning() {
    return running;
  }

  @Override
  public void run() {
    running = true;
    try {
      // Waiting on the stop latch rather than sleeping lets shutdown end the loop at once.
      while (!stopped.await(tick.toNanos(), TimeUnit.NANOSECONDS)) {
        step();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running = false;
    }
  }

  /** Ends the loop; safe to call more than once. */
  public void stop() {
    stopped.countDown();
  }
}
