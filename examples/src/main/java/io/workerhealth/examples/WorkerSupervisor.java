package io.workerhealth.examples;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The health state of a set of named workers, and the faults injected into them. Plain state with no threads or I/O, so
 * every fault's semantics are tested directly; worker threads and the HTTP layer only read and change it.
 *
 * <p>Thread-safe: worker threads read it while fault requests change it.
 */
public final class WorkerSupervisor {

  /** The workers of the sample app, shaped like hookdeck/outpost's. */
  public static final List<String> SAMPLE_WORKERS =
      List.of("http-server", "deliverymq-consumer", "retrymq-consumer", "logmq-consumer");

  /** Workers whose name ends with this consume from the message broker, so a broker outage fails them all. */
  public static final String CONSUMER_SUFFIX = "-consumer";

  private final Clock clock;
  // Insertion-ordered so /healthz lists workers in a stable order.
  private final Map<String, Boolean> healthy = new LinkedHashMap<>();
  private Duration healthzHang = Duration.ZERO;

  public WorkerSupervisor(Collection<String> workers, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (workers.isEmpty()) {
      throw new IllegalArgumentException("a supervisor needs at least one worker");
    }
    for (String worker : workers) {
      if (worker == null || worker.isBlank()) {
        throw new IllegalArgumentException("worker names must not be blank");
      }
      if (healthy.put(worker, true) != null) {
        throw new IllegalArgumentException("worker '" + worker + "' is listed twice");
      }
    }
  }

  /** All workers, in the order they were given. */
  public synchronized List<String> workers() {
    return List.copyOf(healthy.keySet());
  }

  /** Marks one worker failed; its thread stops doing work until recovered. */
  public synchronized void fail(String worker) {
    requireKnown(worker);
    healthy.put(worker, false);
  }

  /** Marks one worker healthy again. */
  public synchronized void recover(String worker) {
    requireKnown(worker);
    healthy.put(worker, true);
  }

  /** A broker outage: every consumer fails at once, other workers keep running. Returns the consumers it failed. */
  public synchronized List<String> outage() {
    List<String> consumers = new ArrayList<>();
    for (String worker : healthy.keySet()) {
      if (worker.endsWith(CONSUMER_SUFFIX)) {
        healthy.put(worker, false);
        consumers.add(worker);
      }
    }
    return List.copyOf(consumers);
  }

  /** Back to normal: every worker healthy and {@code /healthz} answering at once. */
  public synchronized void recoverAll() {
    healthy.replaceAll((worker, ignored) -> true);
    healthzHang = Duration.ZERO;
  }

  public synchronized boolean isHealthy(String worker) {
    requireKnown(worker);
    return healthy.get(worker);
  }

  /** Every later {@code /healthz} request is held this long before it is answered; zero answers at once. */
  public synchronized void hangHealthz(Duration hang) {
    if (hang == null || hang.isNegative()) {
      throw new IllegalArgumentException("a /healthz hang must be zero or positive, got " + hang);
    }
    healthzHang = hang;
  }

  public synchronized Duration healthzHang() {
    return healthzHang;
  }

  /** What {@code /healthz} reports now, stamped with the injected clock. */
  public synchronized HealthReport report() {
    return new HealthReport(clock.instant(), healthy);
  }

  private void requireKnown(String worker) {
    if (worker == null || !healthy.containsKey(worker)) {
      throw new UnknownWorkerException(worker, healthy.keySet());
    }
  }
}
