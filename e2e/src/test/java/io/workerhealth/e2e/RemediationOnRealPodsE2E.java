package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The loop on real containers: the example app with its native sidecar (app-native-sidecar.yaml, its namespace
 * changed as the manifest invites, 3 replicas), the operator the chart runs, and the example policies
 * (examples/manifests/policies) with shorter times. A failed worker gets its pod evicted, the kubelet stops the
 * containers within the grace period and the ReplicaSet's replacement runs and reports Healthy; an outage is not
 * answered with restarts; a PodDisruptionBudget holds an eviction; a ScaleTarget rule adds a real pod and removes it
 * again. Last, every container stayed under its memory limit, never restarted and passed its liveness probe.
 */
@ExtendWith(RealNodeExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemediationOnRealPodsE2E {

  static final String NS = "shop";
  static final String APP = "outpost-delivery";
  static final String SIDECAR = "worker-health-sidecar";
  static final String RESTART_POLICY = "restart-failed-consumer";
  static final String SCALE_POLICY = "scale-consumers";
  static final String WORKER = "deliverymq-consumer";
  static final int REPLICAS = 3;
  static final Duration TIMEOUT = RealNode.TIMEOUT;

  static RealNode node;
  static KubernetesClient admin;
  static Path manifests;

  @BeforeAll
  static void deployTheExampleApp(RealNode realNode) throws Exception {
    node = realNode;
    admin = node.admin;
    node.installChart();
    manifests = RealNode.repository().resolve("examples/manifests");
    node.kubectl("create", "namespace", NS);
    node.kubectlApply(inNamespace(Files.readString(manifests.resolve("sidecar-rbac.yaml"))));
    node.kubectlApply(inNamespace(Files.readString(manifests.resolve("app-native-sidecar.yaml")))
        .replace("replicas: 2", "replicas: " + REPLICAS));
    awaitHealthyPods(REPLICAS);
    for (Pod pod : pods()) {
      ContainerStatus sidecar = pod.getStatus().getInitContainerStatuses().get(0);
      System.out.printf(Locale.ROOT, "E2E figure: pod %s: sidecar started %s, its WorkerHealth created %s%n",
          pod.getMetadata().getName(), sidecar.getState().getRunning().getStartedAt(),
          health(pod.getMetadata().getName()).getMetadata().getCreationTimestamp());
    }
  }

  @AfterAll
  static void printWhatHappened() {
    if (admin != null) {
      events().forEach(e -> System.out.printf("E2E event %s %s %s/%s: %s%n", e.getType(), e.getReason(),
          e.getInvolvedObject().getKind(), e.getInvolvedObject().getName(), e.getMessage()));
    }
  }

  /** The examples are for namespace outpost; a user running them elsewhere changes it, as they say. */
  static String inNamespace(String manifest) {
    return manifest.replace("namespace: outpost", "namespace: " + NS);
  }

  @Test
  @Order(1)
  void aFailedWorkerGetsItsPodEvictedItsContainersStoppedInTimeAndAReplacementReportsHealthy() throws Exception {
    node.kubectlApply(inNamespace(Files.readString(manifests.resolve("policies/restart-failed-consumer.yaml")))
        .replace("for: 30s", "for: 5s").replace("cooldown: 5m", "cooldown: 10s"));
    await().atMost(TIMEOUT).until(() -> status(RESTART_POLICY) != null
        && Integer.valueOf(REPLICAS).equals(status(RESTART_POLICY).getHealthyPods()));

    List<String> before = podNames();
    Pod victim = pod(before.get(0));
    String name = victim.getMetadata().getName();
    long grace = victim.getSpec().getTerminationGracePeriodSeconds();
    // The kubelet's last word on the pod (its containers' ends) comes just before the pod goes: watched, not polled.
    AtomicReference<Pod> lastSeen = new AtomicReference<>();
    ByteArrayOutputStream sidecarLog = new ByteArrayOutputStream();
    // From a list's resourceVersion: without one, fabric8 asks for a watch-list stream, which kube-apiserver refuses
    // on etcd 3.4 ("the required storage feature RequestWatchProgress is disabled").
    String from = admin.pods().inNamespace(NS).list().getMetadata().getResourceVersion();
    try (Watch watch = admin.pods().inNamespace(NS).withResourceVersion(from).watch(new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        if (pod.getMetadata().getName().equals(name)) {
          lastSeen.set(pod);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        System.out.println("E2E: pod watch closed: " + cause);
      }
    }); LogWatch log = admin.pods().inNamespace(NS).withName(name).inContainer(SIDECAR).tailingLines(0)
        .watchLog(sidecarLog)) {
      long failed = System.nanoTime();
      RealNode.fault(victim, "/faults/fail?worker=" + WORKER);
      await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> deleting(name));
      long evicted = System.nanoTime();
      WorkerHealth reported = health(name);
      Pod replacement = await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> pods().stream()
          .filter(p -> !before.contains(p.getMetadata().getName())).filter(RealNode::runningAndReady).findFirst()
          .orElse(null), p -> p != null);
      long running = System.nanoTime();
      String replacementName = replacement.getMetadata().getName();
      await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> healthy(replacementName));
      long healthy = System.nanoTime();
      System.out.printf(Locale.ROOT, "E2E figure: worker failed -> pod evicted %.1f s, -> replacement Running %.1f s,"
              + " -> replacement Healthy %.1f s (sidecar interval 5s, rule 'for' 5s)%n", RealNode.seconds(evicted
              - failed), RealNode.seconds(running - failed), RealNode.seconds(healthy - failed));

      await().atMost(Duration.ofSeconds(grace + 30)).until(() -> admin.pods().inNamespace(NS).withName(name).get()
          == null);
      // What the kubelet reported last: every container ended on SIGTERM (128+15), none killed after the grace period.
      Pod last = lastSeen.get();
      assertThat(last).as("the evicted pod, watched").isNotNull();
      assertThat(last.getMetadata().getDeletionTimestamp()).as("deletion timestamp of the pod last seen: %s",
          last.getStatus()).isNotNull();
      Instant deletion = Instant.parse(last.getMetadata().getDeletionTimestamp());
      List<ContainerStatus> containers = new ArrayList<>(last.getStatus().getContainerStatuses());
      containers.addAll(last.getStatus().getInitContainerStatuses());
      assertThat(containers).hasSize(2).allSatisfy(c -> {
        assertThat(c.getState().getTerminated()).as(c.getName() + " terminated").isNotNull();
        assertThat(c.getState().getTerminated().getExitCode()).as(c.getName() + " exit code").isEqualTo(143);
        assertThat(Instant.parse(c.getState().getTerminated().getFinishedAt()))
            .isBeforeOrEqualTo(deletion.plusSeconds(grace));
      });
      // The native sidecar stops after the app, and sends its last state on the way out.
      assertThat(finishedAt(containers, SIDECAR)).isAfterOrEqualTo(finishedAt(containers, "app"));
      String sidecarOutput = sidecarLog.toString(StandardCharsets.UTF_8);
      System.out.println("E2E: the evicted pod's sidecar's last lines:\n" + tail(sidecarOutput, 4));
      assertThat(sidecarOutput).contains("stopping: sending the latest state once more")
          .doesNotContain("writing WorkerHealth status failed");
      // What it had reported is what the eviction was for; every write it made landed.
      assertThat(reported.getStatus().getPhase()).isEqualTo(HealthPhase.Failed);
      assertThat(reported.getStatus().getFailing()).isEqualTo(WORKER);
      List<JsonNode> writes = node.statusWrites(NS, name);
      assertThat(writes).isNotEmpty().allSatisfy(w -> assertThat(w.at("/responseStatus/code").asInt()).isEqualTo(200));
      long afterDeletion = writes.stream().filter(w -> Instant.parse(w.at("/requestReceivedTimestamp").asText())
          .isAfter(deletion)).count();
      System.out.printf("E2E: the evicted pod's sidecar wrote its WorkerHealth %d times, %d of them after the pod's"
          + " deletion%n", writes.size(), afterDeletion);
    }

    RemediationRecord r = status(RESTART_POLICY).getHistory().stream().filter(h -> h.getPod().equals(name))
        .findFirst().orElseThrow();
    assertThat(r.getAction()).isEqualTo(RemediationAction.RestartPod);
    assertThat(r.getOutcome()).isEqualTo(RemediationOutcome.Succeeded);
    await().atMost(TIMEOUT).until(() -> !events("Restarted").isEmpty());
    awaitHealthyPods(REPLICAS);
    // the evicted pod's WorkerHealth is garbage-collected with it
    await().atMost(TIMEOUT).until(() -> health(name) == null);
  }

  @Test
  @Order(2)
  void anOutageOfEveryConsumerIsNotAnsweredWithEvictions() throws Exception {
    List<String> before = podNames();
    for (Pod pod : pods()) {
      RealNode.fault(pod, "/faults/outage");
    }
    await().atMost(TIMEOUT).until(() -> status(RESTART_POLICY).getConditions().stream()
        .anyMatch(c -> c.getType().equals("RemediationAllowed") && c.getStatus().equals("False")
            && c.getReason().equals("TooManyUnhealthy")));
    await().atMost(TIMEOUT).until(() -> !events("RemediationSuppressed").isEmpty());
    // well past 'for' and a scrape interval: nobody evicted
    await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20))
        .until(() -> podNames().equals(before) && before.stream().noneMatch(RemediationOnRealPodsE2E::deleting));
    for (Pod pod : pods()) {
      RealNode.fault(pod, "/faults/recover-all");
    }
    awaitHealthyPods(REPLICAS);
    await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).until(() -> podNames().equals(before));
  }

  @Test
  @Order(3)
  void aPodDisruptionBudgetHoldsTheEvictionUntilItAllowsIt() throws Exception {
    admin.policy().v1().podDisruptionBudget().inNamespace(NS).resource(new PodDisruptionBudgetBuilder()
        .withNewMetadata().withName(APP).endMetadata()
        .withNewSpec().withMinAvailable(new IntOrString(REPLICAS)).withNewSelector()
        .addToMatchLabels("app.kubernetes.io/name", APP).endSelector().endSpec().build()).create();
    // the pods are really Running and Ready: the budget counts them
    await().atMost(TIMEOUT).until(() -> {
      var pdb = admin.policy().v1().podDisruptionBudget().inNamespace(NS).withName(APP).get();
      return pdb.getStatus() != null && Integer.valueOf(REPLICAS).equals(pdb.getStatus().getCurrentHealthy());
    });
    String victim = podNames().get(0);
    RealNode.fault(pod(victim), "/faults/fail?worker=" + WORKER);
    await().atMost(TIMEOUT).until(() -> status(RESTART_POLICY).getHistory().stream()
        .anyMatch(h -> h.getPod().equals(victim) && h.getOutcome() == RemediationOutcome.Blocked));
    await().atMost(TIMEOUT).until(() -> !events("EvictionBlocked").isEmpty());
    assertThat(deleting(victim)).isFalse();

    admin.policy().v1().podDisruptionBudget().inNamespace(NS).withName(APP)
        .edit(p -> new PodDisruptionBudgetBuilder(p).editSpec().withMinAvailable(new IntOrString(REPLICAS - 1))
            .endSpec().build());
    await().atMost(TIMEOUT).until(() -> deleting(victim) || pod(victim) == null);
    awaitHealthyPods(REPLICAS);
    admin.policy().v1().podDisruptionBudget().inNamespace(NS).withName(APP).delete();
  }

  @Test
  @Order(4)
  void tooFewHealthyConsumersScaleTheDeploymentUpWithARealPodAndBackDown() throws Exception {
    admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(RESTART_POLICY).delete();
    node.kubectlApply(inNamespace(Files.readString(manifests.resolve("policies/scale-consumers.yaml")))
        .replace("minHealthy: 2", "minHealthy: " + REPLICAS).replace("maxReplicas: 6", "maxReplicas: " + (REPLICAS + 1))
        .replace("for: 1m", "for: 5s").replace("stabilizationWindow: 5m", "stabilizationWindow: 15s")
        .replace("cooldown: 5m", "cooldown: 10s"));
    await().atMost(TIMEOUT).until(() -> status(SCALE_POLICY) != null && status(SCALE_POLICY).getConditions().stream()
        .anyMatch(c -> c.getType().equals("ScalingAllowed") && c.getStatus().equals("True")));
    List<String> before = podNames();
    Pod failing = pod(before.get(0));
    long failed = System.nanoTime();
    RealNode.fault(failing, "/faults/fail?worker=" + WORKER);
    await().atMost(TIMEOUT).until(() -> replicas() == REPLICAS + 1);
    long scaled = System.nanoTime();
    await().atMost(TIMEOUT).until(() -> !events("ScaledUp").isEmpty());
    Pod added = await().atMost(TIMEOUT).until(() -> pods().stream()
        .filter(p -> !before.contains(p.getMetadata().getName())).filter(RealNode::runningAndReady).findFirst()
        .orElse(null), p -> p != null);
    await().atMost(TIMEOUT).until(() -> healthy(added.getMetadata().getName()));
    long addedHealthy = System.nanoTime();
    System.out.printf(Locale.ROOT, "E2E figure: worker failed -> Deployment scaled %d -> %d in %.1f s, the new pod"
        + " Healthy after %.1f s%n", REPLICAS, REPLICAS + 1, RealNode.seconds(scaled - failed),
        RealNode.seconds(addedHealthy - failed));
    assertThat(podNames()).contains(failing.getMetadata().getName()); // scaled, not restarted

    RealNode.fault(failing, "/faults/recover-all");
    await().atMost(TIMEOUT).until(() -> replicas() == REPLICAS);
    await().atMost(TIMEOUT).until(() -> !events("ScaledDown").isEmpty());
    await().atMost(TIMEOUT).until(() -> runningPods() == REPLICAS && pods().size() == REPLICAS);
    await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).until(() -> replicas() == REPLICAS);
    admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(SCALE_POLICY).delete();
  }

  @Test
  @Order(5)
  void everyContainerStayedUnderItsMemoryLimitNeverRestartedAndPassedItsLivenessProbe() throws Exception {
    Map<String, ContainerMemory.Use> memory = node.memory.highest();
    JsonNode summary = new ObjectMapper().readTree(admin.raw("/api/v1/nodes/" + node.cluster.node().orElseThrow()
        .nodeName() + "/proxy/stats/summary"));
    System.out.println("E2E figure: memory per container (limit; highest peak seen, page cache included; highest"
        + " working set seen; working set now, from the kubelet)");
    memory.forEach((key, use) -> System.out.printf(Locale.ROOT, "  %-75s limit %4d MiB  peak %4d MiB  working set"
            + " %4d MiB  now %s%n", key, use.limitBytes() == Long.MAX_VALUE ? 0 : use.limitBytes() >> 20,
        use.peakBytes() >> 20, use.workingSetBytes() >> 20, workingSetNow(summary, key)));
    assertThat(memory).as("containers sampled").isNotEmpty();
    assertThat(memory.keySet()).anyMatch(k -> k.startsWith(RealNode.OPERATOR_NS + "/"))
        .anyMatch(k -> k.startsWith(NS + "/") && k.endsWith("/" + SIDECAR));
    assertThat(memory).allSatisfy((key, use) -> assertThat(use.peakBytes()).as(key + " peak memory")
        .isLessThan(use.limitBytes()));

    for (Pod pod : admin.pods().inAnyNamespace().list().getItems()) {
      List<ContainerStatus> statuses = new ArrayList<>(pod.getStatus().getContainerStatuses());
      statuses.addAll(pod.getStatus().getInitContainerStatuses());
      assertThat(statuses).allSatisfy(s -> {
        assertThat(s.getRestartCount()).as(pod.getMetadata().getName() + "/" + s.getName() + " restarts").isZero();
        assertThat(s.getLastState().getTerminated()).as(pod.getMetadata().getName() + "/" + s.getName()
            + " ended before").isNull();
      });
    }
    // the kubelet records every failed probe and every OOM kill as a Warning event
    // (a readiness probe failing while a container starts, or a startup probe while it is waited for, is what those
    // probes are for; a liveness probe must not fail at all)
    List<String> warnings = admin.v1().events().inAnyNamespace().list().getItems().stream()
        .filter(e -> List.of("OOMKilling", "BackOff", "Failed").contains(e.getReason())
            || e.getReason().equals("Unhealthy") && e.getMessage().startsWith("Liveness probe failed"))
        .map(e -> e.getInvolvedObject().getNamespace() + "/" + e.getInvolvedObject().getName() + " "
            + e.getInvolvedObject().getFieldPath() + ": " + e.getReason() + " " + e.getMessage()).toList();
    assertThat(warnings).as("failed liveness probes, OOM kills, crash loops").isEmpty();
  }

  private static String workingSetNow(JsonNode summary, String key) {
    String[] parts = key.split("/");
    for (JsonNode pod : summary.get("pods")) {
      if (pod.at("/podRef/namespace").asText().equals(parts[0]) && pod.at("/podRef/name").asText().equals(parts[1])) {
        for (JsonNode c : pod.get("containers")) {
          if (c.get("name").asText().equals(parts[2])) {
            return (c.at("/memory/workingSetBytes").asLong() >> 20) + " MiB";
          }
        }
      }
    }
    return "(pod gone)";
  }

  // --- looking

  static void awaitHealthyPods(int count) {
    await().atMost(TIMEOUT).until(() -> {
      List<Pod> pods = pods();
      return pods.size() == count && pods.stream().allMatch(RealNode::runningAndReady)
          && pods.stream().allMatch(p -> healthy(p.getMetadata().getName()));
    });
  }

  static boolean healthy(String pod) {
    WorkerHealth wh = health(pod);
    return wh != null && wh.getStatus() != null && wh.getStatus().getPhase() == HealthPhase.Healthy
        && "4/4".equals(wh.getStatus().getReady());
  }

  /** The app's pods that are not being deleted, by name. */
  static List<Pod> pods() {
    return admin.pods().inNamespace(NS).withLabel("app.kubernetes.io/name", APP).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .sorted((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName())).toList();
  }

  static List<String> podNames() {
    return pods().stream().map(p -> p.getMetadata().getName()).toList();
  }

  static long runningPods() {
    return pods().stream().filter(RealNode::runningAndReady).count();
  }

  static Pod pod(String name) {
    return admin.pods().inNamespace(NS).withName(name).get();
  }

  static boolean deleting(String name) {
    Pod pod = pod(name);
    return pod == null || pod.getMetadata().getDeletionTimestamp() != null;
  }

  static int replicas() {
    return admin.apps().deployments().inNamespace(NS).withName(APP).get().getSpec().getReplicas();
  }

  static WorkerHealth health(String pod) {
    return admin.resources(WorkerHealth.class).inNamespace(NS).withName(pod).get();
  }

  static WorkerHealthPolicyStatus status(String policy) {
    WorkerHealthPolicy p = admin.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(policy).get();
    return p == null ? null : p.getStatus();
  }

  static List<Event> events() {
    return admin.v1().events().inNamespace(NS).list().getItems();
  }

  static List<Event> events(String reason) {
    return events().stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  private static Instant finishedAt(List<ContainerStatus> containers, String name) {
    return containers.stream().filter(c -> c.getName().equals(name)).findFirst()
        .map(c -> Instant.parse(c.getState().getTerminated().getFinishedAt())).orElseThrow();
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
