package io.workerhealth.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.operator.metrics.OperatorMetrics;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import java.io.IOException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/** The running operator: java-operator-sdk with the policy reconciler, metrics and the admin endpoints. */
public final class WorkerHealthOperator implements AutoCloseable {

  private final Operator operator;
  private final OperatorSettings settings;
  private final OperatorMetrics metrics;
  private final AdminServer admin;
  private volatile boolean closing;
  /** How long a Lease the leader stopped renewing stays its: a standby takes over within this. */
  public static final Duration LEASE_DURATION = Duration.ofSeconds(15);
  /** How often a standby tries to take the Lease (and the leader renews it). */
  public static final Duration LEASE_RETRY_PERIOD = Duration.ofSeconds(2);
  /** How long the informers may take to list everything at start before the operator gives up and stops. */
  static final Duration CACHE_SYNC_TIMEOUT = Duration.ofMinutes(10);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkerHealthOperator.class);

  public WorkerHealthOperator(KubernetesClient client, OperatorSettings settings, Clock clock) throws IOException {
    this(client, settings, clock, WorkerHealthPolicyReconciler.Timings.DEFAULT);
  }

  public WorkerHealthOperator(KubernetesClient client, OperatorSettings settings, Clock clock,
                              WorkerHealthPolicyReconciler.Timings timings) throws IOException {
    this.settings = settings;
    metrics = new OperatorMetrics(new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT), clock);
    operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          // the finalizer is added with a JSON Patch rather than server-side apply (which the mock API server lacks)
          .withUseSSAToPatchPrimaryResource(false)
          // listing tens of thousands of pods in pages from a busy API server takes minutes (20,000: over 2 min at a
          // load average of 20); java-operator-sdk's default of 2 min would stop the operator while it lists
          .withCacheSyncTimeout(CACHE_SYNC_TIMEOUT)
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(metrics.registry()));
      if (settings.leaderElection()) {
        // Losing the lease while running means another replica leads now: stop acting at once (exit, and let the
        // Deployment restart this one as a standby). On a deliberate shutdown there is nothing to do; exiting from
        // inside a shutdown hook would even hang the JVM, so java-operator-sdk's own exit is turned off.
        LeaderCallbacks callbacks = new LeaderCallbacks(() -> LOG.info("leading"), () -> {
          if (!closing) {
            LOG.error("lost the leader lease; exiting so that only the leader acts");
            new Thread(() -> System.exit(1), "worker-health-exit").start();
          }
        }, leader -> LOG.info("leader is {}", leader));
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(settings.leaseName(),
            settings.leaseNamespace(), LEASE_DURATION, Duration.ofSeconds(10), LEASE_RETRY_PERIOD,
            settings.leaseIdentity(), callbacks, false));
      }
    });
    // Namespaces are set when registering: changing them on a registered controller only works once it runs.
    WorkerHealthPolicyReconciler reconciler = new WorkerHealthPolicyReconciler(clock, metrics, timings);
    operator.register(reconciler, overrider -> {
      if (!settings.watchNamespaces().isEmpty()) {
        overrider.settingNamespaces(Set.copyOf(settings.watchNamespaces()));
      }
      if (settings.shardSelector() != null) {
        // a shard: only the policies with these labels (WorkerHealths and pods are watched as before)
        overrider.withLabelSelector(settings.shardSelector());
      }
      overrider.withRateLimiter(reconciler.spacing());
    });
    admin = new AdminServer(settings.port(), metrics.registry()::scrape,
        () -> operator.getRuntimeInfo().allEventSourcesAreHealthy() || !operator.getRuntimeInfo().isStarted(),
        () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy());
  }

  /**
   * Adds another controller (before {@link #start()}), watching the same namespaces as the policies and, like them,
   * running only while this replica leads.
   */
  public <P extends io.fabric8.kubernetes.api.model.HasMetadata> WorkerHealthOperator register(
      io.javaoperatorsdk.operator.api.reconciler.Reconciler<P> reconciler) {
    operator.register(reconciler, overrider -> {
      if (!settings.watchNamespaces().isEmpty()) {
        overrider.settingNamespaces(Set.copyOf(settings.watchNamespaces()));
      }
    });
    return this;
  }

  public WorkerHealthOperator start() {
    operator.start();
    return this;
  }

  public int adminPort() {
    return admin.port();
  }

  public OperatorMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() {
    closing = true;
    operator.stop();
    admin.close();
  }
}
