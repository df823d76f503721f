package io.workerhealth.sidecar.report;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.metrics.SidecarMetrics;
import java.time.Clock;
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
 * API server is unavailable. It owns the only backoff between the sidecar and the API server (the client's own retries
 * are off, see {@link ReportingClient}): a failed write is retried after a jittered, growing wait that honours the
 * server's Retry-After and never exceeds the backoff's cap (the heartbeat). Writes are compare-and-swap
 * ({@link StoredReport}): a refused one is re-read and retried over what is stored unless that is newer. A deleted
 * WorkerHealth is recreated.
 */
public final class LatestStatusPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LatestStatusPublisher.class);
  /** Of a run of failed attempts, the first and then every n-th is logged (an outage would flood the log). */
  private static final int LOG_EVERY = 10;

  private final WorkerHealthReporter reporter;
  private final Supplier<Map<String, String>> labels;
  private final SidecarMetrics metrics;
  private final Backoff backoff;
  private final RetryAfterRecorder retryAfter;
  private final Clock clock;
  private final AtomicReference<WorkerHealthStatus> pending = new AtomicReference<>();
  private final Object signal = new Object();
  private final Thread thread;
  private volatile boolean closing;
  private volatile boolean resourceEnsured;
  private volatile Map<String, String> ensuredLabels;
  /** What is stored, as far as this publisher knows: what its next write is tested against. */
  private volatile StoredReport stored;
  private Duration askedToWait;
  private int failedInARow;

  public LatestStatusPublisher(WorkerHealthReporter reporter, Supplier<Map<String, String>> labels,
                               SidecarMetrics metrics, Backoff backoff, RetryAfterRecorder retryAfter, Clock clock) {
    this.reporter = reporter;
    this.labels = labels;
    this.metrics = metrics;
    this.backoff = backoff;
    this.retryAfter = retryAfter;
    this.clock = clock;
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

  /** The resource is known to exist with these labels, holding {@code storedNow} (the runner made sure at start-up). */
  public void resourceEnsured(Map<String, String> withLabels, StoredReport storedNow) {
    ensuredLabels = withLabels;
    stored = storedNow;
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
          pending.compareAndSet(null, status); // still the latest: the last try below sends it
          break;
        }
        waitFor(backoff.delay(attempt++, askedToWait), false);
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

  /** One attempt; true when the status is written or must not be (a newer one is stored, or it is refused). */
  private boolean send(WorkerHealthStatus status) {
    askedToWait = null;
    retryAfter.clear();
    try {
      if (!resourceEnsured || stored == null) {
        Map<String, String> wanted = labels.get();
        WorkerHealthReporter.Existing existing = reporter.ensureExists(wanted);
        resourceEnsured(wanted, existing.stored());
      }
      stored = reporter.writeStatus(status, stored);
      written();
      return true;
    } catch (KubernetesClientException e) {
      metrics.reportWrite(false);
      if (e.getCode() == 404) {
        resourceEnsured = false; // deleted under us: recreate on the next attempt
        LOG.warn("WorkerHealth is gone; recreating it");
        return false;
      }
      if (e.getCode() == 409 || e.getCode() == 422) {
        return afterRefusal(status, e);
      }
      askedToWait = retryAfter.after(e);
      failed(describe(e));
      return false;
    } catch (RuntimeException e) {
      metrics.reportWrite(false);
      failed(e.toString());
      return false;
    }
  }

  /** The HTTP status and the API server's reason, or the network failure behind the exception. */
  static String describe(KubernetesClientException e) {
    if (e.getCode() <= 0) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    String reason = e.getStatus() == null ? null
        : e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getStatus().getReason();
    return "HTTP " + e.getCode() + (reason == null ? "" : ": " + reason);
  }

  /**
   * The API server refused the write: either what is stored is no longer what the write was tested against (a write
   * given up on was applied after all, or someone else wrote), or it refuses the status itself. A read tells which.
   */
  private boolean afterRefusal(WorkerHealthStatus status, KubernetesClientException refusal) {
    try {
      WorkerHealth now = reporter.read();
      if (now == null) {
        resourceEnsured = false;
        return false;
      }
      StoredReport found = StoredReport.of(now);
      if (found.sameStatusAs(stored)) {
        if (refusal.getCode() == 422) {
          // the test held, so the status itself is invalid: sending it again cannot help; the next one may do
          LOG.error("the API server refuses the status: {}", describe(refusal));
          return true;
        }
        failed(describe(refusal));
        return false;
      }
      stored = found;
      if (!StoredReport.supersedes(status, now.getStatus(), clock.instant())) {
        LOG.info("a newer status (scraped at {}) is stored than this one (scraped at {}); not writing it",
            found.lastScrapeTime(), status.getLastScrapeTime());
        return true;
      }
      stored = reporter.writeStatus(status, stored);
      written();
      return true;
    } catch (KubernetesClientException e) {
      metrics.reportWrite(false);
      askedToWait = retryAfter.after(e);
      failed(describe(e));
      return false;
    } catch (RuntimeException e) {
      metrics.reportWrite(false);
      failed(e.toString());
      return false;
    }
  }

  private void written() {
    metrics.reportWrite(true);
    if (failedInARow > 0) {
      LOG.info("WorkerHealth status written again after {} failed attempts", failedInARow);
      failedInARow = 0;
    }
  }

  private void failed(String why) {
    if (failedInARow++ % LOG_EVERY == 0) {
      LOG.warn("writing WorkerHealth status failed ({} in a row): {}; retrying{}", failedInARow, why,
          askedToWait == null ? "" : " (the API server asks to wait " + askedToWait.toSeconds() + "s)");
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
    close(Duration.ofSeconds(4));
  }
}
