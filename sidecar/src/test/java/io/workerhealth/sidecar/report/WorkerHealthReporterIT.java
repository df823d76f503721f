package io.workerhealth.sidecar.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.workerhealth.api.v1alpha1.Reporter;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who a WorkerHealth belongs to: its reporter keeps its spec in step, and leaves another reporter's alone. */
@EnableKubernetesMockClient(crud = true)
class WorkerHealthReporterIT {

  KubernetesClient client;

  static WorkerHealthSpec spec(Reporter reporter, int interval) {
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName("app-0");
    spec.setReporter(reporter);
    spec.setIntervalSeconds(interval);
    return spec;
  }

  void stored(String ownerUid, WorkerHealthSpec spec) {
    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setName("app-0");
    wh.getMetadata().setNamespace("shop");
    wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName("app-0").withUid(ownerUid).build()));
    wh.setSpec(spec);
    client.resource(wh).create();
  }

  WorkerHealth read() {
    return client.resources(WorkerHealth.class).inNamespace("shop").withName("app-0").get();
  }

  @Test
  void theSpecIsKeptInStepWithHowThePodIsScraped() {
    stored("uid-1", spec(Reporter.agent("node-a"), 5));
    new WorkerHealthReporter(client, "shop", "app-0", "uid-1", spec(Reporter.agent("node-a"), 30))
        .ensureExists(Map.of("app", "shop"));
    assertThat(read().getSpec().getIntervalSeconds()).isEqualTo(30);
    assertThat(read().getMetadata().getLabels()).containsEntry("app", "shop");
  }

  @Test
  void aPreviousPodsWorkerHealthOfAnotherNodesAgentIsLeftToBeGarbageCollected() {
    stored("uid-old", spec(Reporter.agent("node-b"), 5));
    WorkerHealthReporter reporter = new WorkerHealthReporter(client, "shop", "app-0", "uid-new",
        spec(Reporter.agent("node-a"), 5));
    assertThatThrownBy(() -> reporter.ensureExists(Map.of()))
        .isInstanceOf(WorkerHealthReporter.ReportedElsewhereException.class)
        .hasMessage("WorkerHealth shop/app-0 is reported by Agent on node-b, for a previous pod of this name; "
            + "waiting for it to be garbage-collected");
    assertThat(read().getMetadata().getOwnerReferences().get(0).getUid()).as("untouched").isEqualTo("uid-old");
  }

  @Test
  void aSidecarsWorkerHealthIsNotTheAgents() {
    stored("uid-1", spec(Reporter.sidecar(null), 5));
    assertThatThrownBy(() -> new WorkerHealthReporter(client, "shop", "app-0", "uid-1",
        spec(Reporter.agent("node-a"), 5)).ensureExists(Map.of()))
        .hasMessage("WorkerHealth shop/app-0 is reported by Sidecar, not by Agent on node-a; not writing it");
  }
}
