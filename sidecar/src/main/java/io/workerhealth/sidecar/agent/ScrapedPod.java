package io.workerhealth.sidecar.agent;

import io.workerhealth.api.v1alpha1.Reporter;
import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.metrics.ReportMetrics;
import io.workerhealth.sidecar.report.Backoff;
import io.workerhealth.sidecar.report.LatestStatusPublisher;
import io.workerhealth.sidecar.report.ReportSchedule;
import io.workerhealth.sidecar.report.TargetReporter;
import io.workerhealth.sidecar.report.WorkerHealthReporter;
import io.workerhealth.sidecar.scrape.HealthScraper;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pod of the node, as the agent reports it: the shared loop body ({@link TargetReporter}) for its current
 * settings, its WorkerHealth writer and publisher (sending on the agent's shared writer threads), and what the Lease
 * check needs to know. Runs one cycle at a time ({@link #inFlight}); settings and labels change under it from the
 * informer, and a cycle picks them up.
 */
final class ScrapedPod {

  private static final Logger LOG = LoggerFactory.getLogger(ScrapedPod.class);
  private static final int MAX_PROBLEM_LENGTH = 1000;

  /** What the current reporter was built from: a change of any part builds a new one. */
  private record Basis(PodTarget target, String secretVersion, String problem) {}

  private record Built(Basis basis, WorkerHealthSpec spec, WorkerHealthReporter writer, TargetReporter reporter) {}

  final String uid;
  final String namespace;
  final String name;
  final AtomicBoolean inFlight = new AtomicBoolean();
  private final AgentContext context;
  private final ReportMetrics metrics;
  private volatile PodTarget target;
  private volatile Map<String, String> labels;
  private volatile Built built;
  /** The timer's task for this pod, and the interval it runs at. */
  volatile ScheduledFuture<?> trigger;
  volatile Duration triggerInterval;
  private boolean ensured;
  private volatile boolean owed = true;
  private volatile boolean reportedElsewhere;
  private volatile Instant lastScraped;
  private volatile boolean gone;
  private String reportedProblem;
  private int ensureFailures;

  ScrapedPod(String uid, String namespace, String name, AgentContext context) {
    this.uid = uid;
    this.namespace = namespace;
    this.name = name;
    this.context = context;
    this.metrics = context.metrics().forPod();
  }

  String key() {
    return namespace + "/" + name;
  }

  PodTarget target() {
    return target;
  }

  /** The interval the pod asks for (or the default one while it asks for nothing usable). */
  Duration interval() {
    return target instanceof PodTarget.Scrape s ? s.settings().scrape().interval() : context.defaultInterval();
  }

  /** From the informer: the pod's settings and labels as they are now. */
  void update(PodTarget next, Map<String, String> nextLabels) {
    target = next;
    Map<String, String> before = labels;
    labels = nextLabels;
    Built b = built;
    if (before != null && !before.equals(nextLabels) && b != null) {
      // labels are kept in step with the pod's: rewrite the current state, which brings them along
      b.reporter().publisher().labelsMayHaveChanged();
      WorkerHealthStatus current = b.reporter().current();
      if (current != null) {
        b.reporter().publisher().offer(current);
      }
    }
  }

  /** The pod is gone: nothing more is written (its WorkerHealth goes with it), and a cycle in flight is dropped. */
  void drop() {
    gone = true;
    ScheduledFuture<?> t = trigger;
    if (t != null) {
      t.cancel(false);
    }
    Built b = built;
    if (b != null) {
      b.reporter().publisher().discard();
    }
  }

  /** One cycle: bring the reporter in step with the settings, make sure of the WorkerHealth, scrape and report. */
  void runOnce() {
    try {
      PodTarget t = target;
      if (gone || t instanceof PodTarget.Waiting || t == null) {
        return;
      }
      ScrapeTarget scrapeTarget = null;
      Basis basis;
      if (t instanceof PodTarget.Invalid invalid) {
        basis = new Basis(t, null, invalid.message());
      } else {
        PodTarget.Scrape s = (PodTarget.Scrape) t;
        String secretName = s.settings().authSecret();
        AuthSecrets.Read secret = secretName == null ? null : context.secrets().get(namespace, secretName);
        String problem = secret == null ? null : secret.problem();
        if (problem == null) {
          List<String> problems = new ArrayList<>();
          scrapeTarget = PodScrapeTarget.build(s, secretName == null ? null : namespace + "/" + secretName,
              secret == null ? Map.of() : secret.data(), problems);
          problem = problems.isEmpty() ? null : String.join("; ", problems);
        }
        basis = new Basis(t, secret == null ? null : secret.resourceVersion(), problem);
      }
      Built b = built;
      if (b == null || !b.basis().equals(basis)) {
        b = rebuild(basis, scrapeTarget);
      }
      if (!ensured && !ensure(b)) {
        return;
      }
      if (basis.problem() != null) {
        if (!basis.problem().equals(reportedProblem)) {
          reportedProblem = basis.problem();
          String message = basis.problem().length() > MAX_PROBLEM_LENGTH
              ? basis.problem().substring(0, MAX_PROBLEM_LENGTH - 1) + "…" : basis.problem();
          b.reporter().handle(new ScrapeOutcome.Failure(new ScrapeError(ScrapeErrorReason.InvalidConfiguration,
              message), null, Duration.ZERO));
        }
        return;
      }
      reportedProblem = null;
      b.reporter().cycle(() -> gone || context.stopping());
      lastScraped = context.clock().instant();
      owed = false;
    } catch (RuntimeException e) {
      LOG.error("cycle of pod {} failed", key(), e); // never let a pod's failure reach the pool
    } finally {
      inFlight.set(false);
    }
  }

  private Built rebuild(Basis basis, ScrapeTarget scrapeTarget) {
    Built before = built;
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(name);
    spec.setReporter(Reporter.agent(context.nodeName()));
    HealthScraper scraper = null;
    io.workerhealth.api.v1alpha1.SourceFormat format = null;
    if (basis.target() instanceof PodTarget.Scrape s) {
      spec.setTargetURL(s.url().toString());
      spec.setFormat(s.settings().scrape().format());
      spec.setIntervalSeconds(SidecarConfig.specSeconds(s.settings().scrape().interval()));
      format = s.settings().scrape().format();
      if (scrapeTarget != null) {
        scraper = new HealthScraper(scrapeTarget, s.settings().scrape().timeout(), s.settings().scrape().bodyLimit(),
            s.settings().scrape().formats(), context.http(), "worker-health-agent");
      }
    }
    WorkerHealthReporter writer = new WorkerHealthReporter(context.api().client(), namespace, name, uid, spec);
    LatestStatusPublisher publisher = new LatestStatusPublisher(writer, () -> labels, metrics,
        new Backoff(Duration.ofMillis(500), NodeAgent.MAX_BACKOFF, context.random()), context.api().retryAfter(),
        context.clock(), context.writers());
    TargetReporter reporter = new TargetReporter(key(), scraper, format, context.tracker(),
        ReportSchedule.onChangeOnly(), publisher, metrics, context.clock());
    if (before != null) {
      reporter.resume(before.reporter().current()); // transition times go on across a change of settings
      before.reporter().publisher().discard();
    }
    // the WorkerHealth's spec says how the pod is scraped, and a new publisher knows nothing of what is stored: look
    // once (and bring the spec in step)
    ensured = false;
    Built b = new Built(basis, spec, writer, reporter);
    built = b;
    return b;
  }

  /** Creates or reads the WorkerHealth, continues from a status a previous run wrote; false to try again later. */
  private boolean ensure(Built b) {
    Map<String, String> wanted = labels;
    try {
      WorkerHealthReporter.Existing existing = b.writer().ensureExists(wanted);
      if (b.reporter().current() == null) {
        b.reporter().resume(existing.previous());
      }
      if (lastScraped == null) {
        owed = existing.previous() != null;
      }
      b.reporter().publisher().resourceEnsured(wanted, existing.stored());
      ensured = true;
      reportedElsewhere = false;
      ensureFailures = 0;
      return true;
    } catch (WorkerHealthReporter.ReportedElsewhereException e) {
      if (!reportedElsewhere) {
        LOG.warn("not reporting pod {}: {}", key(), e.getMessage());
      }
      reportedElsewhere = true;
      return false;
    } catch (RuntimeException e) {
      if (ensureFailures++ % 10 == 0) {
        LOG.warn("cannot make sure of the WorkerHealth of pod {} ({} in a row): {}", key(), ensureFailures,
            e.toString());
      }
      return false;
    }
  }

  /** The pod as the Lease check sees it. */
  Vouching.Pod vouching() {
    Built b = built;
    boolean reported = target instanceof PodTarget.Scrape && b != null && b.basis().problem() == null
        && !reportedElsewhere
        && b.reporter().publisher().lastFailureCode() != LatestStatusPublisher.REPORTED_ELSEWHERE;
    return new Vouching.Pod(key(), owed, reported, lastScraped, interval(),
        b == null ? null : b.reporter().publisher().unsentSince());
  }

  /** The pod as its metrics show it. */
  AgentMetrics.PodView view() {
    Built b = built;
    PodTarget t = target;
    AgentMetrics.PodState state = t instanceof PodTarget.Waiting ? AgentMetrics.PodState.Waiting
        : t instanceof PodTarget.Invalid || b != null && b.basis().problem() != null ? AgentMetrics.PodState.Invalid
        : AgentMetrics.PodState.Scraping;
    return new AgentMetrics.PodView(namespace, name, state, b == null ? null : b.reporter().current());
  }

  /** For the agent's shutdown: one last try of what is pending. */
  LatestStatusPublisher publisher() {
    Built b = built;
    return b == null ? null : b.reporter().publisher();
  }

  Instant lastScraped() {
    return lastScraped;
  }
}
