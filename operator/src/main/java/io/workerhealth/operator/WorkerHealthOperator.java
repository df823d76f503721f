package io.workerhealth.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RegisteredController;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.operator.metrics.OperatorMetrics;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import java.io.IOException;
import java.time.Clock;
import java.util.Set;

/** The running operator: java-operator-sdk with the policy reconciler, metrics and the admin endpoints. */
public final class WorkerHealthOperator implements AutoCloseable {

  private final Operator operator;
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final AdminServer admin;

  public WorkerHealthOperator(KubernetesClient client, OperatorSettings settings, Clock clock) throws IOException {
    this(client, settings, clock, WorkerHealthPolicyReconciler.Timings.DEFAULT);
  }

  public WorkerHealthOperator(KubernetesClient client, OperatorSettings settings, Clock clock,
                              WorkerHealthPolicyReconciler.Timings timings) throws IOException {
    operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(metrics.registry()));
      if (settings.leaderElection()) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(settings.leaseName(),
            settings.leaseNamespace()));
      }
    });
    RegisteredController<WorkerHealthPolicy> controller =
        operator.register(new WorkerHealthPolicyReconciler(clock, metrics, timings));
    if (!settings.watchNamespaces().isEmpty()) {
      controller.changeNamespaces(Set.copyOf(settings.watchNamespaces()));
    }
    admin = new AdminServer(settings.port(), metrics.registry()::scrape,
        () -> operator.getRuntimeInfo().allEventSourcesAreHealthy() || !operator.getRuntimeInfo().isStarted(),
        () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy());
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
    operator.stop();
    admin.close();
  }
}
