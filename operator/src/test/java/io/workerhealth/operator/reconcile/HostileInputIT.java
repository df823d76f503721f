package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.WorkerHealthOperator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Input the API server accepts (or accepted before the CRD checked it: stored objects are not validated again) must
 * not stop the operator nor slow down other policies: a policy whose selector is not valid Kubernetes, and a
 * WorkerHealth reporting from the far future, next to pods and a policy that must be acted on as usual.
 */
@EnableKubernetesMockClient(crud = true)
class HostileInputIT {

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

  WorkerHealth pod(String name, WorkerStatus consumer, Duration failingFor, String scrapeTime) {
    WorkerHealth wh = PodFixtures.podWithHealth(client, NS, name, "outpost-" + name.charAt(name.length() - 1),
        Map.of("app", "outpost"));
    Instant now = Instant.now();
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(consumer == WorkerStatus.Healthy ? HealthPhase.Healthy : HealthPhase.Failed);
    s.setLastScrapeTime(scrapeTime == null ? now.toString() : scrapeTime);
    s.setWorkers(new ArrayList<>(List.of(
        new WorkerState("http-server", WorkerStatus.Healthy, "healthy", null, now.minusSeconds(3600).toString()),
        new WorkerState("deliverymq-consumer", consumer, consumer.name().toLowerCase(), null,
            now.minus(failingFor).toString()))));
    wh.setStatus(s);
    return client.resource(wh).updateStatus();
  }

  WorkerHealthPolicy policy(String name, LabelSelector selector) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(selector);
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setFor("30s");
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setMaxUnhealthy(new io.fabric8.kubernetes.api.model.IntOrString("100%"));
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName(name);
    p.getMetadata().setNamespace(NS);
    p.setSpec(spec);
    return client.resource(p).create();
  }

  WorkerHealthPolicyStatus status(String name) {
    return client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(name).get().getStatus();
  }

  List<Event> events(String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  static LabelSelector expression(String key, String operator, List<String> values) {
    return new LabelSelector(List.of(new LabelSelectorRequirement(key, operator, values)), null);
  }

  @Test
  void theOperatorStartsAndActsWhileAPolicyWithAnInvalidSelectorExists() throws Exception {
    pod("outpost-a", WorkerStatus.Healthy, Duration.ofHours(1), null);
    String failing = PodFixtures.podUid(pod("outpost-b", WorkerStatus.Failed, Duration.ofMinutes(2), null));
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/outpost-b/eviction").andReturn(201, "{}")
        .once();
    // each of these stopped the operator at start-up or failed every WorkerHealth event before
    policy("no-operator", expression("app", null, null));
    policy("bogus-operator", expression("app", "Bogus", List.of("outpost")));
    policy("lower-case-in", expression("app", "in", List.of("outpost")));
    policy("in-without-values", expression("app", "In", null));
    policy("exists-with-values", expression("app", "Exists", List.of("outpost")));
    policy("restart", new LabelSelector(null, Map.of("app", "outpost")));

    operator = WorkerHealthPolicyReconcilerIT.startedOperator(client);

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null && status("restart").getHistory()
        .stream().anyMatch(r -> r.getOutcome() == RemediationOutcome.Succeeded));
    assertThat(status("restart").getHistory().get(0).getPodUID()).isEqualTo(failing);
    for (String invalid : List.of("no-operator", "bogus-operator", "lower-case-in", "in-without-values",
        "exists-with-values")) {
      await().atMost(20, TimeUnit.SECONDS).until(() -> status(invalid) != null
          && Conditions.get(status(invalid).getConditions(), "Ready") != null);
      var ready = Conditions.get(status(invalid).getConditions(), "Ready");
      assertThat(ready.getStatus()).as(invalid).isEqualTo("False");
      assertThat(ready.getReason()).as(invalid).isEqualTo("InvalidSpec");
      assertThat(ready.getMessage()).as(invalid).contains("spec.selector.matchExpressions[0]");
      assertThat(status(invalid).getHistory()).as(invalid + " acts on nothing").isEmpty();
    }
    assertThat(events("InvalidSpec")).extracting(e -> e.getInvolvedObject().getName())
        .contains("no-operator", "bogus-operator", "lower-case-in", "in-without-values", "exists-with-values");
    assertThat(operator.metrics().registry().scrape())
        .as("no reconcile of the valid policy failed")
        .doesNotContain("workerhealth_reconcile_errors_total{namespace=\"outpost\",policy=\"restart\"} 1");
  }

  @Test
  void aReportFromTheFarFutureIsUnknownAndThePodNextToItIsStillRestarted() throws Exception {
    // accepted by the API server: the schema has no format for it
    pod("outpost-a", WorkerStatus.Failed, Duration.ofMinutes(5), "+1000000000-12-31T23:59:59Z");
    String failing = PodFixtures.podUid(pod("outpost-b", WorkerStatus.Failed, Duration.ofMinutes(2), null));
    pod("outpost-c", WorkerStatus.Healthy, Duration.ofHours(1), Instant.now().plus(Duration.ofDays(365)).toString());
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/outpost-b/eviction").andReturn(201, "{}")
        .once();
    policy("restart", new LabelSelector(null, Map.of("app", "outpost")));

    operator = WorkerHealthPolicyReconcilerIT.startedOperator(client);

    await().atMost(20, TimeUnit.SECONDS).until(() -> status("restart") != null && status("restart").getHistory()
        .stream().anyMatch(r -> r.getOutcome() == RemediationOutcome.Succeeded));
    assertThat(status("restart").getHistory()).singleElement()
        .satisfies(r -> assertThat(r.getPodUID()).isEqualTo(failing));
    assertThat(status("restart").getUnknownPods()).as("both reports from the future").isEqualTo(2);
    await().atMost(20, TimeUnit.SECONDS).until(() -> !events("RemediationSkipped").isEmpty());
    assertThat(events("RemediationSkipped")).extracting(Event::getMessage).anySatisfy(m -> assertThat(m)
        .contains("outpost-a").contains("InvalidTimestamp").contains("+1000000000-12-31T23:59:59Z"));
  }
}
