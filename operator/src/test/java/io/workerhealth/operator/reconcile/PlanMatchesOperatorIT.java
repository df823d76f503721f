package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.LabelSelector;
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
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.OperatorMain;
import io.workerhealth.operator.WorkerHealthOperator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * plan decides what the operator decides: the operator acts on a cluster and writes its history, then the cluster
 * is dumped as kubectl would print it (the policy with its status, the WorkerHealths, the pods) and plan runs on
 * that, at the same moment.
 */
@EnableKubernetesMockClient(crud = true)
class PlanMatchesOperatorIT {

  static final String NS = "outpost";

  KubernetesMockServer server;
  KubernetesClient client;
  WorkerHealthOperator operator;
  @TempDir
  Path dir;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  WorkerHealth pod(String name, Duration failingFor) {
    WorkerHealth wh = PodFixtures.podWithHealth(client, NS, name, "outpost-7d9f8c", Map.of("app", "outpost"));
    Instant now = Instant.now();
    boolean failed = failingFor != null;
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setLastScrapeTime(now.toString());
    s.setLastSuccessfulScrapeTime(now.toString());
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("deliverymq-consumer",
        failed ? WorkerStatus.Failed : WorkerStatus.Healthy, failed ? "failed" : "healthy", null,
        now.minus(failed ? failingFor : Duration.ofHours(1)).toString()))));
    wh.setStatus(s);
    return client.resource(wh).updateStatus();
  }

  /** A List as kubectl prints it. */
  static KubernetesList list(List<? extends HasMetadata> items) {
    KubernetesList list = new KubernetesList();
    list.setItems(new ArrayList<>(items));
    return list;
  }

  List<Event> events(String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason())).toList();
  }

  JsonNode plan(Path policy, Path healths, Path pods, Instant at) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = OperatorMain.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    List<String> args = new ArrayList<>(List.of("plan", "--policy", policy.toString(), "--health", healths.toString(),
        "--now", at.toString()));
    if (pods != null) {
      args.addAll(List.of("--pods", pods.toString()));
    }
    assertThat(cli.execute(args.toArray(String[]::new))).as(err.toString()).isZero();
    return new ObjectMapper().readTree(out.toString());
  }

  @Test
  void onTheHistoryTheOperatorWrotePlanHoldsWhatTheOperatorHolds() throws Exception {
    pod("outpost-a", null);
    pod("outpost-b", Duration.ofMinutes(2));
    pod("outpost-c", null);
    server.expect().post().withPath("/api/v1/namespaces/" + NS + "/pods/outpost-b/eviction").andReturn(201, "{}")
        .once();
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setFor("30s");
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setCooldown("10m");
    WorkerHealthPolicy policy = new WorkerHealthPolicy();
    policy.getMetadata().setName("restart");
    policy.getMetadata().setNamespace(NS);
    policy.setSpec(spec);
    client.resource(policy).create();
    operator = WorkerHealthPolicyReconcilerIT.startedOperator(client);

    await().atMost(20, TimeUnit.SECONDS).until(() -> {
      WorkerHealthPolicy p = client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName("restart").get();
      return p.getStatus() != null && p.getStatus().getHistory().stream()
          .anyMatch(r -> r.getOutcome() == RemediationOutcome.Succeeded);
    });
    // the ReplicaSet replaced outpost-b with outpost-d, whose consumer fails too: the operator holds it (cooldown of
    // the ReplicaSet's slot)
    client.pods().inNamespace(NS).withName("outpost-b").delete();
    client.resources(WorkerHealth.class).inNamespace(NS).withName("outpost-b").delete();
    pod("outpost-d", Duration.ofMinutes(2));
    await().atMost(20, TimeUnit.SECONDS).until(() -> events("RemediationSkipped").stream()
        .anyMatch(e -> e.getMessage().contains("outpost-d") && e.getMessage().contains("Cooldown")));
    Instant at = Instant.now();

    // what kubectl would print
    var serialization = client.getKubernetesSerialization();
    Path policyFile = Files.writeString(dir.resolve("policy.yaml"), serialization.asYaml(client.resources(
        WorkerHealthPolicy.class).inNamespace(NS).withName("restart").get()));
    Path healthFile = Files.writeString(dir.resolve("healths.yaml"), serialization.asYaml(list(
        client.resources(WorkerHealth.class).inNamespace(NS).list().getItems())));
    Path podFile = Files.writeString(dir.resolve("pods.yaml"), serialization.asYaml(list(
        client.pods().inNamespace(NS).list().getItems())));

    JsonNode plan = plan(policyFile, healthFile, podFile, at);
    assertThat(plan.path("actions")).as("plan holds what the operator holds").isEmpty();
    assertThat(plan.path("skipped")).anySatisfy(k -> {
      assertThat(k.path("pod").asText()).isEqualTo("outpost-d");
      assertThat(k.path("reason").asText()).startsWith("Cooldown: ReplicaSet/outpost-7d9f8c");
    });
    // without the pods, plan sees each pod as its own slot and would restart it
    assertThat(plan(policyFile, healthFile, null, at).path("actions")).extracting(a -> a.path("pod").asText())
        .containsExactly("outpost-d");
  }
}
