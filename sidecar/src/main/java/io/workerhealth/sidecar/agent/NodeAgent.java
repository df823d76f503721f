package io.workerhealth.sidecar.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.workerhealth.sidecar.AdminServer;
import io.workerhealth.sidecar.report.LatestStatusPublisher;
import io.workerhealth.sidecar.report.ReportingClient;
import io.workerhealth.sidecar.track.HealthTracker;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: one reporter for the pods of its node that ask for it ({@code workerhealth.io/scrape: "true"}),
 * instead of a sidecar in each. Threads do not grow with pods: one timer triggers each pod's scrape on its own
 * jittered schedule and hands it to a fixed pool of scrape threads (a pod whose previous scrape has not finished is
 * skipped, so a slow pod holds at most one thread, for at most its timeout); WorkerHealth writes and the Lease go
 * through a fixed pool of writer threads. Status is written on change only; the node's one Lease, renewed every
 * {@code WH_LEASE_RENEW_INTERVAL}, tells readers that what the agent wrote still holds (see {@link Vouching}).
 */
public final class NodeAgent implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
  /** The longest wait between attempts to write a status while the API server fails. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
  /** The first scrape of a pod comes at a random moment within its interval, and at most this long after it joins. */
  static final Duration MAX_FIRST_DELAY = Duration.ofSeconds(10);
  /** After SIGTERM, how long the last states may take to be sent. */
  static final Duration LAST_SEND_GRACE = Duration.ofSeconds(4);
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final int MAX_IDLE_CONNECTIONS = 512;

  private final AgentConfig config;
  private final ReportingClient api;
  private final Clock clock;
  private final RandomGenerator random;
  private final NodePods nodePods;
  private final Map<String, ScrapedPod> pods = new ConcurrentHashMap<>();
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor scrapes;
  private final ScheduledThreadPoolExecutor writers;
  private final OkHttpClient http;
  private final AgentMetrics metrics;
  private final AuthSecrets secrets;
  private final NodeLease lease;
  private final AgentContext context;
  private AdminServer admin;
  private volatile Instant lastTick;
  private volatile boolean stopping;
  private String lastWithheld;

  /**
   * @param nodePods where the pods of the node come from ({@link NodePods#watched} in a cluster)
   * @param random   for the jitter of schedules and backoffs
   */
  public NodeAgent(AgentConfig config, ReportingClient api, NodePods nodePods, Clock clock, RandomGenerator random) {
    this.config = config;
    this.api = api;
    this.clock = clock;
    this.random = random;
    this.nodePods = nodePods;
    this.timer = new ScheduledThreadPoolExecutor(1, threads("worker-health-agent-timer"));
    this.timer.setRemoveOnCancelPolicy(true); // a pod that goes takes its schedule with it
    this.scrapes = new ThreadPoolExecutor(config.scrapeThreads(), config.scrapeThreads(), 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), threads("worker-health-agent-scrape"));
    this.writers = new ScheduledThreadPoolExecutor(config.writeThreads(), threads("worker-health-agent-write"));
    this.writers.setRemoveOnCancelPolicy(true);
    // one connection pool for every pod: an idle keep-alive connection per pod (a node runs a few hundred pods at
    // most), closed after a minute unused
    this.http = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, 1, TimeUnit.MINUTES))
        .build();
    this.metrics = new AgentMetrics(() -> pods.values().stream().map(ScrapedPod::view).toList(),
        () -> scrapes.getQueue().size());
    this.secrets = new AuthSecrets(api.client(), clock, config.secretRefresh());
    this.lease = new NodeLease(api.client(), config.podNamespace(), config.nodeName(), config.podName(),
        config.leaseDuration());
    this.context = new AgentContext(config.nodeName(), api, http, writers, new HealthTracker(clock), metrics,
        secrets, clock, random, defaultInterval(config), () -> stopping);
  }

  private static Duration defaultInterval(AgentConfig config) {
    List<String> problems = new ArrayList<>();
    PodSettings settings = PodSettings.read(Map.of(), config.defaults(), config.maxBodyLimit(), problems);
    return settings == null ? Duration.ofSeconds(5) : settings.scrape().interval();
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Serves metrics and liveness, starts the Lease renewals and the schedules, and starts listening for pods. */
  public NodeAgent start() throws IOException {
    admin = new AdminServer(config.metricsPort(), metrics::scrape, this::alive);
    lastTick = clock.instant();
    metrics.started(lastTick);
    timer.scheduleAtFixedRate(() -> lastTick = clock.instant(), 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    writers.scheduleWithFixedDelay(this::renewLease, config.renewInterval().toMillis(),
        config.renewInterval().toMillis(), TimeUnit.MILLISECONDS);
    writers.scheduleWithFixedDelay(secrets::forgetUnused, 1, 1, TimeUnit.MINUTES);
    nodePods.start(this::podChanged, this::podGone);
    LOG.info("reporting the pods of node {} that ask for it ({}: \"true\"), {} scrape and {} write threads; Lease {}",
        config.nodeName(), PodSettings.SCRAPE, config.scrapeThreads(), config.writeThreads(), lease.name());
    return this;
  }

  /** A pod of the node was added or changed. */
  void podChanged(Pod pod) {
    if (stopping) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    PodTarget target = PodTarget.of(pod, config.nodeName(), config.defaults(), config.maxBodyLimit());
    if (target instanceof PodTarget.Ignored ignored) {
      ScrapedPod known = pods.remove(uid);
      if (known != null) {
        LOG.info("no longer reporting pod {}: {}", known.key(), ignored.reason());
        known.drop();
      }
      return;
    }
    Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of()
        : Map.copyOf(pod.getMetadata().getLabels());
    ScrapedPod p = pods.computeIfAbsent(uid, u -> new ScrapedPod(u, pod.getMetadata().getNamespace(),
        pod.getMetadata().getName(), context));
    PodTarget before = p.target();
    p.update(target, labels);
    if (!Objects.equals(before, target)) {
      if (target instanceof PodTarget.Invalid invalid) {
        LOG.warn("pod {} asks for settings the agent cannot use: {}", p.key(), invalid.message());
      } else if (target instanceof PodTarget.Scrape scrape) {
        LOG.info("reporting pod {}: {} every {}", p.key(), scrape.url(), scrape.settings().scrape().interval());
      }
      schedule(p);
    }
  }

  /** A pod of the node was deleted: its state goes with it. */
  void podGone(Pod pod) {
    ScrapedPod known = pods.remove(pod.getMetadata().getUid());
    if (known != null) {
      known.drop();
      LOG.info("pod {} is gone", known.key());
    }
  }

  /** (Re)schedules the pod's cycles at its interval, the first at a random moment so that pods do not align. */
  private void schedule(ScrapedPod p) {
    Duration interval = p.interval();
    if (p.trigger != null && interval.equals(p.triggerInterval)) {
      triggerNow(p); // new settings are used at once, on the same schedule
      return;
    }
    if (p.trigger != null) {
      p.trigger.cancel(false);
    }
    long first = Math.min(interval.toMillis(), MAX_FIRST_DELAY.toMillis());
    long delay = first <= 0 ? 0 : random.nextLong(first);
    p.triggerInterval = interval;
    try {
      p.trigger = timer.scheduleAtFixedRate(() -> trigger(p), delay, interval.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  private void triggerNow(ScrapedPod p) {
    try {
      timer.execute(() -> trigger(p));
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  /** On the timer: hands the pod's cycle to a scrape thread, unless its previous one is still queued or running. */
  private void trigger(ScrapedPod p) {
    if (!p.inFlight.compareAndSet(false, true)) {
      metrics.skipped();
      return;
    }
    try {
      scrapes.execute(p::runOnce);
    } catch (RejectedExecutionException e) {
      p.inFlight.set(false);
    }
  }

  /** Renews the node's Lease, unless what the agent wrote cannot be vouched for now. */
  private void renewLease() {
    Instant now = clock.instant();
    String withheld = Duration.between(lastTick, now).compareTo(TICK.multipliedBy(10)) > 0
        ? "the agent's timer has stalled"
        : Vouching.withheldBecause(pods.values().stream().map(ScrapedPod::vouching).toList(), now,
            config.renewInterval());
    if (withheld != null) {
      metrics.leaseRenewalWithheld();
      if (!withheld.equals(lastWithheld)) {
        LOG.warn("not renewing {}: {}", lease, withheld);
      }
      lastWithheld = withheld;
      return;
    }
    if (lastWithheld != null) {
      LOG.info("renewing {} again", lease);
      lastWithheld = null;
    }
    try {
      lease.renew(now);
      metrics.leaseRenewed(now);
    } catch (RuntimeException e) {
      metrics.leaseRenewalFailed();
      LOG.warn("renewing {} failed: {}", lease, e.toString());
    }
  }

  /** Alive while the timer ticks and, when there are pods to scrape, scrapes keep completing. */
  boolean alive() {
    Instant now = clock.instant();
    if (lastTick == null || Duration.between(lastTick, now).compareTo(TICK.multipliedBy(10)) > 0) {
      return false;
    }
    Duration longest = Duration.ZERO;
    Instant latest = null;
    for (ScrapedPod p : pods.values()) {
      if (p.target() instanceof PodTarget.Scrape s) {
        Duration allowed = s.settings().scrape().interval().multipliedBy(3).plus(s.settings().scrape().timeout());
        longest = allowed.compareTo(longest) > 0 ? allowed : longest;
        Instant at = p.lastScraped();
        latest = at != null && (latest == null || at.isAfter(latest)) ? at : latest;
      }
    }
    return longest.isZero() || latest == null || Duration.between(latest, now).compareTo(longest) <= 0;
  }

  public int adminPort() {
    return admin.port();
  }

  /** The pods the agent reports now, {@code namespace/name}. */
  public List<String> pods() {
    return pods.values().stream().map(ScrapedPod::key).sorted().toList();
  }

  /** Prometheus text of the agent's metrics. */
  public String metricsText() {
    return metrics.scrape();
  }

  /**
   * Stops listening and scraping (scrapes in flight are abandoned), sends the latest states once more within
   * {@link #LAST_SEND_GRACE}, and stops serving. The Lease is left to lapse: what it vouched for held when renewed.
   */
  @Override
  public void close() {
    stopping = true;
    nodePods.close();
    timer.shutdownNow();
    scrapes.shutdownNow();
    for (ScrapedPod p : pods.values()) {
      LatestStatusPublisher publisher = p.publisher();
      if (publisher != null) {
        publisher.close(Duration.ZERO); // queues the last try on the writers
      }
    }
    writers.shutdown();
    try {
      if (!writers.awaitTermination(LAST_SEND_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        writers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    if (admin != null) {
      admin.close();
    }
  }
}
