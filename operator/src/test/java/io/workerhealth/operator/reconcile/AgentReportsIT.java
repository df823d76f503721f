package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.Reporter;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.WorkerHealthOperator;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reports written by node agents, through the whole operator against the mock API server: acted on while their
 * node's Lease vouches for them, stale once it has lapsed, ignored when the agent is not the pod's node's.
 */
@EnableKubernetesMockClient(crud = true)
class AgentReportsIT {

  static final String NS = "outpost";

  KubernetesMockServer server;
  KubernetesClient client;
  WorkerHealthOperator operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  /**
   * A pod on {@code node} (a ReplicaSet of its own: no cooldown between them), its consumer failed for ten minutes as
   * reported by the agent of {@code reporter} an hour ago.
   */
  void agentReportedPod(String name, String node, String reporter) {
    Pod pod = client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name)
        .withNamespace(NS).addToLabels("app", "outpost").withOwnerReferences(new OwnerReferenceBuilder()
            .withKind("ReplicaSet").withApiVersion("apps/v1").withName(name + "-rs").withUid("rs-" + name)
            .withController(true).build()).endMetadata().withNewSpec().withNodeName(node).endSpec().build()).create();
    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setName(name);
    wh.getMetadata().setNamespace(NS);
    wh.getMetadata().setLabels(Map.of("app", "outpost"));
    wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName(name).withUid(pod.getMetadata().getUid()).build()));
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(name);
    spec.setReporter(Reporter.agent(reporter));
    spec.setIntervalSeconds(5);
    wh.setSpec(spec);
    wh = client.resource(wh).create();
    Instant written = Instant.now().minusSeconds(3600);
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(HealthPhase.Failed);
    s.setLastScrapeTime(written.toString());
    s.setLastSuccessfulScrapeTime(written.toString());
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("deliverymq-consumer", WorkerStatus.Failed, "failed", null,
        written.minusSeconds(600).toString()))));
    wh.setStatus(s);
    client.resource(wh).updateStatus();
  }

  void lease(String node, Instant renewed) {
    client.leases().inNamespace(client.getNamespace()).resource(new LeaseBuilder().withNewMetadata()
        .withName(ApiGroup.agentLeaseName(node)).addToLabels("workerhealth.io/agent-lease", "true").endMetadata()
        .withNewSpec().withHolderIdentity("agent-" + node).withLeaseDurationSeconds(40)
        .withRenewTime(renewed.atZone(ZoneOffset.UTC)).endSpec().build()).create();
  }

  @Test
  void onlyAReportItsNodesValidLeaseVouchesForIsActedOn() throws Exception {
    lease("node-a", Instant.now());
    lease("node-b", Instant.now().minusSeconds(300)); // its agent stopped five minutes ago
    agentReportedPod("outpost-vouched", "node-a", "node-a");
    agentReportedPod("outpost-lapsed", "node-b", "node-b");
    agentReportedPod("outpost-misplaced", "node-b", "node-a"); // the agent of node-a speaking of node-b's pod

    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setFor("30s");
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setMaxUnhealthy(new io.fabric8.kubernetes.api.model.IntOrString("100%"));
    spec.setMaxConcurrent(3);
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName("restart");
    p.getMetadata().setNamespace(NS);
    p.setSpec(spec);
    client.resource(p).create();
    operator = WorkerHealthPolicyReconcilerIT.startedOperator(client);

    await().atMost(20, TimeUnit.SECONDS).until(() -> evictions().contains("outpost-vouched"));
    await().pollDelay(3, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
    assertThat(evictedSoFar).containsExactly("outpost-vouched");
    WorkerHealthPolicy status = client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("restart").get();
    assertThat(status.getStatus().getUnknownPods()).as("the lapsed and the misplaced report").isEqualTo(2);
  }

  final List<String> evictedSoFar = new ArrayList<>();

  List<String> evictions() throws InterruptedException {
    RecordedRequest r;
    while ((r = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
      if (r.getPath().endsWith("/eviction")) {
        String path = r.getPath().replace("/eviction", "");
        evictedSoFar.add(path.substring(path.lastIndexOf('/') + 1));
      }
    }
    return evictedSoFar;
  }
}
