package io.workerhealth.sidecar.report;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.metrics.SidecarMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends statuses to the API server on its own thread, so scraping never waits on reporting. It holds one slot: an
 * offer replaces whatever was not sent yet, so only the latest state is ever sent and nothing queues up while the
 * API server is unavailable. Failed writes are retried with jittered backoff; a deleted WorkerHealth is recreated.
 */
public final class LatestStatusPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LatestStatusPublisher.class);

  private final WorkerHealthReporter reporter;
  private final Supplier<Map<String, String>> labels;
  private final SidecarMetrics metrics;
  private final Backoff backoff;
  private final AtomicReference<WorkerHealthStatus> pending = new AtomicReference<>();
  private final Object signal = new Object();
  private final Thread thread;
  private volatile boolean closing;
  private volatile boolean resourceEnsured;
  private volatile Map<String, String> ensuredLabels;

  public LatestStatusPublisher(WorkerHealthReporter reporter, Supplier<Map<String, String>> labels,
                               SidecarMetrics metrics, Backoff backoff) {
    this.reporter = reporter;
    this.labels = labels;
    this.metrics = metrics;
    this.backoff = backoff;
    this.thread = new Thread(this::loop, "worker-health-publisher");
    this.thread.setDaemon(true);
  }

  public LatestStatusPublisher start() {
    thread.start();
    return this;
  }

  /** Replaces the state waiting to be sent. Never blocks. */
  public void offer(WorkerHealthStatus status) {
    pending.set(status);
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  /** The resource's labels must be brought in step with the pod's again before the next write. */
  public void labelsMayHaveChanged() {
    Map<String, String> now = labels.get();
    if (!now.equals(ensuredLabels)) {
      resourceEnsured = false;
    }
  }

  /** The resource is known to exist with these labels (the runner made sure at start-up). */
  public void resourceEnsured(Map<String, String> withLabels) {
    ensuredLabels = withLabels;
    resourceEnsured = true;
  }

  /** Whether a state is waiting to be sent (for tests and shutdown). */
  public boolean idle() {
    return pending.get() == null;
  }

  private void loop() {
    while (!closing) {
      WorkerHealthStatus status = pending.getAndSet(null);
      if (status == null) {
        waitFor(Duration.ofDays(1), true);
        continue;
      }
      int attempt = 0;
      while (status != null) {
        if (send(status)) {
          break;
        }
        if (closing) {
          return;
        }
        waitFor(backoff.delay(attempt++), false);
        WorkerHealthStatus newer = pending.getAndSet(null);
        if (newer != null) {
          status = newer; // only the latest state is worth sending
        }
      }
    }
    WorkerHealthStatus last = pending.getAndSet(null);
    if (last != null) {
      send(last); // one last try on shutdown
    }
  }

  private boolean send(WorkerHealthStatus status) {
    try {
      if (!resourceEnsured) {
        Map<String, String> wanted = labels.get();
        reporter.ensureExists(wanted);
        ensuredLabels = wanted;
        resourceEnsured = true;
      }
      reporter.writeStatus(status);
      metrics.reportWrite(true);
      return true;
    } catch (KubernetesClientException e) {
      metrics.reportWrite(false);
      if (e.getCode() == 404) {
        resourceEnsured = false; // deleted under us: recreate on the next attempt
        LOG.warn("WorkerHealth is gone; recreating it");
      } else {
        LOG.warn("writing WorkerHealth status failed (HTTP {}): {}; retrying", e.getCode(), e.getMessage());
      }
      return false;
    } catch (RuntimeException e) {
      metrics.reportWrite(false);
      LOG.warn("writing WorkerHealth status failed: {}; retrying", e.toString());
      return false;
    }
  }

  /** Waits up to {@code d}; an offer ends the wait early only when {@code wakeOnOffer} (backoff is kept). */
  private void waitFor(Duration d, boolean wakeOnOffer) {
    long deadline = System.nanoTime() + d.toNanos();
    synchronized (signal) {
      while (!closing && (!wakeOnOffer || pending.get() == null)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(signal, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Stops the thread after one last attempt to send what is pending, waiting at most {@code grace}. */
  public void close(Duration grace) {
    closing = true;
    synchronized (signal) {
      signal.notifyAll();
    }
    try {
      thread.join(Math.max(1, grace.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
