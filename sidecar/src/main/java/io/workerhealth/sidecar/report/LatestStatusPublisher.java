package io.workerhealth.sidecar.report;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.metrics.ReportMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends statuses to the API server off the scrape path, so scraping never waits on reporting. It holds one slot: an
 * offer replaces whatever was not sent yet, so only the latest state is ever sent and nothing queues up while the
 * API server is unavailable. It owns the only backoff between its reporter and the API server (the client's own
 * retries are off, see {@link ReportingClient}): a failed write is retried after a jittered, growing wait that honours
 * the server's Retry-After and never exceeds the backoff's cap. Writes are compare-and-swap ({@link StoredReport}): a
 * refused one is re-read and retried over what is stored unless that is newer. A deleted WorkerHealth is recreated.
 *
 * <p>Sends run on an executor: the sidecar's own single thread, or one a node agent shares among the publishers of
 * all its pods (a waiting retry holds no thread, so a few threads serve hundreds of pods). One publisher sends one
 * status at a time.
 */
public final class LatestStatusPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LatestStatusPublisher.class);
  /** Of a run of failed attempts, the first and then every n-th is logged (an outage would flood the log). */
  private static final int LOG_EVERY = 10;

  private final WorkerHealthReporter reporter;
  private final Supplier<Map<String, String>> labels;
  private final ReportMetrics metrics;
  private final Backoff backoff;
  private final RetryAfterRecorder retryAfter;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final boolean ownsExecutor;
  private final AtomicReference<WorkerHealthStatus> pending = new AtomicReference<>();
  /** Held while a status is being sent: one write at a time, also when closing. */
  private final ReentrantLock sending = new ReentrantLock();
  private final Object lock = new Object();
  /** Guarded by {@link #lock}: a send is scheduled, running, or waiting out its backoff. */
  private boolean running;
  /** Guarded by {@link #lock}: the retry waiting out its backoff. */
  private ScheduledFuture<?> retry;
  /** Guarded by {@link #lock}: failed attempts in a row, for the backoff. */
  private int attempt;
  private volatile boolean closing;
  private volatile boolean discarded;
  private volatile boolean resourceEnsured;
  private volatile Map<String, String> ensuredLabels;
  /** What is stored, as far as this publisher knows: what its next write is tested against. */
  private volatile StoredReport stored;
  /** Since when a state has been waiting to be written; null when everything offered is written (or given up). */
  private volatile Instant unsentSince;
  private volatile int lastFailureCode;
  private Duration askedToWait;
  private int failedInARow;

  /** A publisher with a thread of its own (the sidecar's). */
  public LatestStatusPublisher(WorkerHealthReporter reporter, Supplier<Map<String, String>> labels,
                               ReportMetrics metrics, Backoff backoff, RetryAfterRecorder retryAfter, Clock clock) {
    this(reporter, labels, metrics, backoff, retryAfter, clock, Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "worker-health-publisher");
      t.setDaemon(true);
      return t;
    }), true);
  }

  /** A publisher sending on {@code executor}, which others may share; its owner shuts it down. */
  public LatestStatusPublisher(WorkerHealthReporter reporter, Supplier<Map<String, String>> labels,
                               ReportMetrics metrics, Backoff backoff, RetryAfterRecorder retryAfter, Clock clock,
                               ScheduledExecutorService executor) {
    this(reporter, labels, metrics, backoff, retryAfter, clock, executor, false);
  }

  private LatestStatusPublisher(WorkerHealthReporter reporter, Supplier<Map<String, String>> labels,
                                ReportMetrics metrics, Backoff backoff, RetryAfterRecorder retryAfter, Clock clock,
                                ScheduledExecutorService executor, boolean ownsExecutor) {
    this.reporter = reporter;
    this.labels = labels;
    this.metrics = metrics;
    this.backoff = backoff;
    this.retryAfter = retryAfter;
    this.clock = clock;
    this.executor = executor;
    this.ownsExecutor = ownsExecutor;
  }

  /** Ready at once: sends run as states are offered. Kept so that callers read as before. */
  public LatestStatusPublisher start() {
    return this;
  }

  /** Replaces the state waiting to be sent. Never blocks. */
  public void offer(WorkerHealthStatus status) {
    if (discarded) {
      return;
    }
    if (closing) {
      pending.set(status); // the last try on close sends it
      return;
    }
    if (pending.getAndSet(status) == null && unsentSince == null) {
      unsentSince = clock.instant();
    }
    synchronized (lock) {
      if (!running) {
        running = true;
        submit(this::drain);
      }
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

  /**
   * Since when a state has been waiting to be written, or null when none is: what a node agent checks before it
   * vouches for what it wrote.
   */
  public Instant unsentSince() {
    return unsentSince;
  }

  /** {@link #lastFailureCode()} when the WorkerHealth is another reporter's (no request was refused). */
  public static final int REPORTED_ELSEWHERE = -1;

  /**
   * The HTTP status of the last failed attempt (0: none, or no answer; {@link #REPORTED_ELSEWHERE}), e.g. 403 when
   * admission refuses the write.
   */
  public int lastFailureCode() {
    return lastFailureCode;
  }

  private void submit(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      synchronized (lock) {
        running = false; // shut down: the last try on close sends what is pending
      }
    }
  }

  /** Sends the pending state; on failure, schedules a retry after the backoff. */
  private void drain() {
    WorkerHealthStatus status = pending.getAndSet(null);
    if (status == null) {
      synchronized (lock) {
        if (pending.get() != null && !closing) {
          submit(this::drain); // offered while this run was finishing
        } else {
          running = false;
        }
      }
      return;
    }
    boolean done;
    sending.lock();
    try {
      done = send(status);
    } finally {
      sending.unlock();
    }
    synchronized (lock) {
      if (done) {
        attempt = 0;
        unsentSince = pending.get() == null ? null : clock.instant();
        lastFailureCode = 0;
        if (pending.get() != null && !closing) {
          submit(this::drain); // a newer state came meanwhile: its own turn, so a shared executor stays fair
        } else {
          running = false;
        }
        return;
      }
      pending.compareAndSet(null, status); // still the latest unless a newer one came
      if (closing) {
        running = false; // the last try on close sends it
        return;
      }
      try {
        retry = executor.schedule(this::drain, backoff.delay(attempt++, askedToWait).toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        running = false;
      }
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
      lastFailureCode = Math.max(0, e.getCode());
      if (e.getCode() == 404) {
        resourceEnsured = false; // deleted under us: recreate on the next attempt
        LOG.warn("WorkerHealth {} is gone; recreating it", reporter.resourceName());
        return false;
      }
      if (e.getCode() == 409 || e.getCode() == 422) {
        return afterRefusal(status, e);
      }
      askedToWait = retryAfter.after(e);
      failed(describe(e));
      return false;
    } catch (WorkerHealthReporter.ReportedElsewhereException e) {
      lastFailureCode = REPORTED_ELSEWHERE;
      failed(e.getMessage());
      return false;
    } catch (RuntimeException e) {
      metrics.reportWrite(false);
      lastFailureCode = 0;
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
          LOG.error("the API server refuses the status of {}: {}", reporter.resourceName(), describe(refusal));
          return true;
        }
        failed(describe(refusal));
        return false;
      }
      stored = found;
      if (!StoredReport.supersedes(status, now.getStatus(), clock.instant())) {
        LOG.info("a newer status (scraped at {}) is stored in {} than this one (scraped at {}); not writing it",
            found.lastScrapeTime(), reporter.resourceName(), status.getLastScrapeTime());
        return true;
      }
      stored = reporter.writeStatus(status, stored);
      written();
      return true;
    } catch (KubernetesClientException e) {
      metrics.reportWrite(false);
      lastFailureCode = Math.max(0, e.getCode());
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
      LOG.info("WorkerHealth {} status written again after {} failed attempts", reporter.resourceName(),
          failedInARow);
      failedInARow = 0;
    }
  }

  private void failed(String why) {
    if (failedInARow++ % LOG_EVERY == 0) {
      LOG.warn("writing WorkerHealth {} status failed ({} in a row): {}; retrying{}", reporter.resourceName(),
          failedInARow, why,
          askedToWait == null ? "" : " (the API server asks to wait " + askedToWait.toSeconds() + "s)");
    }
  }

  /**
   * Stops retrying and makes one last attempt to send what is pending. With a thread of its own, waits at most
   * {@code grace} for it; on a shared executor the attempt is queued there, and its owner waits for the executor.
   */
  public void close(Duration grace) {
    closing = true;
    synchronized (lock) {
      if (retry != null) {
        retry.cancel(false);
      }
    }
    try {
      executor.execute(this::lastTry);
    } catch (RejectedExecutionException e) {
      // the executor is shut down already: nothing more can be sent
    }
    if (ownsExecutor) {
      executor.shutdown();
      try {
        if (!executor.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS)) {
          executor.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Drops what is pending and sends nothing more: the pod is gone, and its WorkerHealth goes with it. */
  public void discard() {
    discarded = true;
    closing = true;
    pending.set(null);
    unsentSince = null;
    synchronized (lock) {
      if (retry != null) {
        retry.cancel(false);
      }
    }
  }

  private void lastTry() {
    sending.lock();
    try {
      WorkerHealthStatus last = pending.getAndSet(null);
      if (last != null && send(last)) {
        unsentSince = null;
      }
    } finally {
      sending.unlock();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(4));
  }
}
