package io.workerhealth.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workerhealth.operator.OperatorMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The offline {@code plan} command on what kubectl prints. */
class PlanCommandTest {

  static final Path POLICY = Path.of("src/test/resources/plan/policy.yaml");
  static final Path HEALTHS = Path.of("src/test/resources/plan/healths.yaml");

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    CommandLine cli = OperatorMain.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void plansTheRestartOfThePodFailingLongEnough() throws Exception {
    assertThat(run("plan", "--policy", POLICY.toString(), "--health", HEALTHS.toString(),
        "--now", "2026-01-01T12:00:00Z")).isZero();
    JsonNode plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("actions")).hasSize(1);
    JsonNode action = plan.path("actions").get(0);
    assertThat(action.path("action").asText()).isEqualTo("RestartPod");
    assertThat(action.path("pod").asText()).isEqualTo("outpost-delivery-7d9f8c-aaaaa");
    assertThat(action.path("worker").asText()).isEqualTo("deliverymq-consumer");
    assertThat(action.path("rule").asText()).isEqualTo("restart-stuck-consumer");
    assertThat(action.path("reason").asText()).contains("120s");
    assertThat(plan.path("skipped")).hasSize(1);
    JsonNode skip = plan.path("skipped").get(0);
    assertThat(skip.path("pod").asText()).isEqualTo("outpost-delivery-7d9f8c-bbbbb");
    assertThat(skip.path("reason").asText()).startsWith("NotLongEnough");
    assertThat(plan.path("pods").path("selected").asInt()).as("the other app is not selected").isEqualTo(4);
  }

  @Test
  void thePolicysHistoryHoldsTheCooldown(@TempDir Path dir) throws Exception {
    Path withHistory = dir.resolve("policy.yaml");
    Files.writeString(withHistory, Files.readString(POLICY) + """
        status:
          history:
          - {pod: outpost-delivery-7d9f8c-zzzzz, podUID: uid-z, slot: Pod/outpost-delivery-7d9f8c-aaaaa,
             worker: deliverymq-consumer, rule: restart-stuck-consumer, action: RestartPod,
             time: "2026-01-01T11:58:00Z", outcome: Succeeded}
        """);
    assertThat(run("plan", "--policy", withHistory.toString(), "--health", HEALTHS.toString(),
        "--now", "2026-01-01T12:00:00Z")).isZero();
    JsonNode plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("actions")).isEmpty();
    assertThat(plan.path("skipped").get(0).path("reason").asText()).startsWith("Cooldown");
  }

  static final Path PODS = Path.of("src/test/resources/plan/pods.yaml");

  /** A restart as the operator records it: the slot is the pod's ReplicaSet, the pod has been replaced since. */
  static final String OPERATOR_HISTORY = """
      status:
        observedGeneration: 1
        history:
        - {pod: outpost-delivery-7d9f8c-zzzzz, podUID: uid-z, slot: ReplicaSet/outpost-delivery-7d9f8c,
           worker: deliverymq-consumer, rule: restart-stuck-consumer, action: RestartPod,
           time: "2026-01-01T11:58:00Z", failingSince: "2026-01-01T11:50:00Z", outcome: Succeeded,
           message: worker deliverymq-consumer not healthy for 480s}
      """;

  @Test
  void withThePodsPlanKeepsTheCooldownTheOperatorKeepsPerReplicaSet(@TempDir Path dir) throws Exception {
    Path withHistory = dir.resolve("policy.yaml");
    Files.writeString(withHistory, Files.readString(POLICY) + OPERATOR_HISTORY);
    // without the pods, each pod is its own slot: plan would restart what the operator holds back, and says so
    assertThat(run("plan", "--policy", withHistory.toString(), "--health", HEALTHS.toString(),
        "--now", "2026-01-01T12:00:00Z")).isZero();
    assertThat(new ObjectMapper().readTree(out.toString()).path("actions")).hasSize(1);
    assertThat(err.toString()).contains("without --pods every pod is its own workload slot");

    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    assertThat(run("plan", "--policy", withHistory.toString(), "--health", HEALTHS.toString(), "--pods",
        PODS.toString(), "--now", "2026-01-01T12:00:00Z")).isZero();
    JsonNode plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("actions")).isEmpty();
    assertThat(plan.path("skipped")).anySatisfy(k -> {
      assertThat(k.path("pod").asText()).isEqualTo("outpost-delivery-7d9f8c-aaaaa");
      assertThat(k.path("reason").asText()).startsWith("Cooldown: ReplicaSet/outpost-delivery-7d9f8c was remediated")
          .endsWith("next try at 2026-01-01T12:03:00Z");
    });
    // the first thing due: bbbbb's condition holding for 'for'
    assertThat(plan.path("nextTry").asText()).isEqualTo("2026-01-01T12:00:20Z");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void thePodsFileShowsRolloutsBarePodsAndPodsThatNeverReported(@TempDir Path dir) throws Exception {
    Path pods = dir.resolve("pods.yaml");
    Files.writeString(pods, Files.readString(PODS)
        .replace("status: {observedGeneration: 3, replicas: 4, updatedReplicas: 4}",
            "status: {observedGeneration: 3, replicas: 5, updatedReplicas: 2}")
        + """
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: outpost-delivery-7d9f8c-eeeee
          namespace: outpost
          creationTimestamp: "2026-01-01T11:00:00Z"
          labels: {app: outpost, service: delivery}
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: outpost-delivery-7d9f8c, controller: true}]
        """);
    assertThat(run("plan", "--policy", POLICY.toString(), "--health", HEALTHS.toString(), "--pods", pods.toString(),
        "--now", "2026-01-01T12:00:00Z")).isZero();
    JsonNode plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("actions")).isEmpty();
    assertThat(plan.path("rolloutsInProgress").get(0).asText()).isEqualTo("Deployment/outpost-delivery");
    assertThat(plan.path("skipped")).anySatisfy(k -> assertThat(k.path("reason").asText())
        .startsWith("RolloutInProgress: Deployment/outpost-delivery is in the middle of a rollout"));
    assertThat(plan.path("notReporting").get(0).asText()).isEqualTo("outpost-delivery-7d9f8c-eeeee");
    assertThat(plan.path("pods").path("notReporting").asInt()).isEqualTo(1);
    assertThat(plan.path("pods").path("selected").asInt()).isEqualTo(5);

    // a pod without a controller is never evicted
    out.getBuffer().setLength(0);
    Files.writeString(pods, Files.readString(PODS).replaceFirst(
        "ownerReferences: \\[\\{apiVersion: apps/v1, kind: ReplicaSet, name: outpost-delivery-7d9f8c, uid: rs-1, "
            + "controller: true}]", "ownerReferences: []"));
    assertThat(run("plan", "--policy", POLICY.toString(), "--health", HEALTHS.toString(), "--pods", pods.toString(),
        "--now", "2026-01-01T12:00:00Z")).isZero();
    plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("actions")).isEmpty();
    assertThat(plan.path("skipped").get(0).path("reason").asText()).startsWith("BarePod");
  }

  @Test
  void aPodsFileWithOtherKindsIsBadInput(@TempDir Path dir) throws Exception {
    assertBadInput(run("plan", "--policy", POLICY.toString(), "--health", HEALTHS.toString(), "--pods",
        HEALTHS.toString()), "is a WorkerHealth", "--pods takes Pods");
    assertBadInput(run("plan", "--policy", POLICY.toString(), "--health", HEALTHS.toString(), "--dependency",
        "maybe"), "--dependency 'maybe'");
  }

  static final Path SCALE_POLICY = Path.of("src/test/resources/plan/scale-policy.yaml");
  static final Path TARGETS = Path.of("src/test/resources/plan/targets.yaml");

  @Test
  void afterTwoRestartsTheEscalationScalesTheTargetAndPrintsTheNewReplicas() throws Exception {
    assertThat(run("plan", "--policy", SCALE_POLICY.toString(), "--health", HEALTHS.toString(),
        "--targets", TARGETS.toString(), "--now", "2026-01-01T12:00:00Z")).isZero();
    JsonNode plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("actions")).hasSize(1);
    JsonNode action = plan.path("actions").get(0);
    assertThat(action.path("action").asText()).isEqualTo("ScaleTarget");
    assertThat(action.path("target").asText()).isEqualTo("Deployment/outpost-delivery");
    assertThat(action.path("fromReplicas").asInt()).isEqualTo(4);
    assertThat(action.path("replicas").asInt()).isEqualTo(5);
    assertThat(action.path("step").asInt()).isEqualTo(1);
    assertThat(plan.path("escalations")).hasSize(1);
    assertThat(plan.path("escalations").get(0).path("to").asText()).isEqualTo("ScaleTarget");
  }

  @Test
  void anAutoscalerInTheTargetsFileBlocksScaling(@TempDir Path dir) throws Exception {
    Path withHpa = dir.resolve("targets.yaml");
    Files.writeString(withHpa, Files.readString(TARGETS) + """
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: outpost-hpa, namespace: outpost}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: outpost-delivery}
          minReplicas: 2
          maxReplicas: 8
        """);
    assertThat(run("plan", "--policy", SCALE_POLICY.toString(), "--health", HEALTHS.toString(),
        "--targets", withHpa.toString(), "--now", "2026-01-01T12:00:00Z")).isZero();
    JsonNode plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("actions")).isEmpty();
    assertThat(plan.path("targetProblems").get(0).asText()).startsWith("AutoscalerManaged")
        .contains("HorizontalPodAutoscaler/outpost-hpa");
  }

  @Test
  void withoutTargetsAScaleTargetStepSaysWhatIsMissing() throws Exception {
    assertThat(run("plan", "--policy", SCALE_POLICY.toString(), "--health", HEALTHS.toString(),
        "--now", "2026-01-01T12:00:00Z")).isZero();
    JsonNode plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("actions")).isEmpty();
    assertThat(plan.path("targetProblems").get(0).asText()).contains("is not in --targets");
  }

  @Test
  void anInvalidPolicyOrUnreadableInputExitsTwo(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, Files.readString(POLICY).replace("cooldown: 5m", "cooldown: soon"));
    assertThat(run("plan", "--policy", bad.toString(), "--health", HEALTHS.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("invalid policy").contains("spec.cooldown");
    assertThat(run("plan", "--policy", dir.resolve("missing.yaml").toString(), "--health", HEALTHS.toString()))
        .isEqualTo(2);
  }

  /** Bad input of any kind: exit code 2, a message naming the file or option, and never a stack trace. */
  void assertBadInput(int exit, String... expected) {
    assertThat(exit).as(err.toString()).isEqualTo(2);
    assertThat(err.toString()).contains(expected).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void emptyAndUnreadableFilesGetOneLineErrors(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.yaml"), "\n");
    assertBadInput(run("plan", "--policy", empty.toString(), "--health", HEALTHS.toString()),
        "empty.yaml: the file is empty");
    assertThat(err.toString().lines()).hasSize(1);
    err.getBuffer().setLength(0);
    assertBadInput(run("plan", "--policy", POLICY.toString(), "--health", empty.toString()),
        "empty.yaml: the file is empty");
    err.getBuffer().setLength(0);
    Path garbage = Files.writeString(dir.resolve("garbage.yaml"), "spec: [unclosed\n  rules: {");
    assertBadInput(run("plan", "--policy", garbage.toString(), "--health", HEALTHS.toString()),
        "garbage.yaml: not valid YAML or JSON");
    err.getBuffer().setLength(0);
    Path pod = Files.writeString(dir.resolve("pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n");
    assertBadInput(run("plan", "--policy", pod.toString(), "--health", HEALTHS.toString()),
        "pod.yaml: a Pod, not a WorkerHealthPolicy");
    err.getBuffer().setLength(0);
    assertBadInput(run("plan", "--policy", dir.resolve("missing.yaml").toString(), "--health", HEALTHS.toString()),
        "missing.yaml: no such file");
  }

  @Test
  void nullListItemsGetOneLineErrors(@TempDir Path dir) throws Exception {
    Path nullItem = Files.writeString(dir.resolve("healths.yaml"), "apiVersion: v1\nkind: List\nitems: [null]\n");
    assertBadInput(run("plan", "--policy", POLICY.toString(), "--health", nullItem.toString()),
        "healths.yaml: items[0] is empty");
    err.getBuffer().setLength(0);
    Path nullWorker = Files.writeString(dir.resolve("worker.yaml"), """
        apiVersion: workerhealth.io/v1alpha1
        kind: WorkerHealth
        metadata: {name: a, labels: {app: outpost, service: delivery}}
        status: {phase: Failed, lastScrapeTime: "2026-01-01T11:59:58Z", workers: [null]}
        """);
    assertBadInput(run("plan", "--policy", POLICY.toString(), "--health", nullWorker.toString()),
        "WorkerHealth a: status.workers[0] is empty");
    err.getBuffer().setLength(0);
    Path nullRule = Files.writeString(dir.resolve("policy.yaml"), Files.readString(POLICY)
        .replaceAll("(?s)  rules:.*?action: RestartPod\n", "  rules: [null]\n"));
    assertBadInput(run("plan", "--policy", nullRule.toString(), "--health", HEALTHS.toString()),
        "spec.rules[0]: Invalid value: \"null\": spec.rules[0] in body must be of type object: \"null\"");
  }

  @Test
  void aBadNowOrOptionGetsAOneLineError() {
    assertBadInput(run("plan", "--policy", POLICY.toString(), "--health", HEALTHS.toString(), "--now", "yesterday"),
        "--now 'yesterday' is not an RFC 3339 time like 2026-01-01T12:00:00Z");
    err.getBuffer().setLength(0);
    assertBadInput(run("plan", "--health", HEALTHS.toString()), "Missing required option: '--policy=<policyFile>'",
        "--help");
  }

  @Test
  void rejectsWhatTheApiServerRejectsWithItsMessages(@TempDir Path dir) throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), Files.readString(POLICY)
        .replace("- name: restart-stuck-consumer", "- name: Restart_Stuck")
        .replace("when: [Failed]", "when: []")
        .replace("maxConcurrent: 1", "maxConcurrent: 0")
        .replace("rateLimit: {max: 10, per: 1h}", "rateLimit: {max: 10}")
        .replace("matchLabels: {app: outpost, service: delivery}",
            "matchExpressions: [{key: app, operator: in, values: [outpost]}]"));
    assertBadInput(run("plan", "--policy", bad.toString(), "--health", HEALTHS.toString()),
        "invalid policy: the API server would reject",
        "  spec.rules[0].name: Invalid value: \"Restart_Stuck\": spec.rules[0].name in body should match "
            + "'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'",
        "  spec.rules[0].when: Invalid value: 0: spec.rules[0].when in body should have at least 1 items",
        "  spec.maxConcurrent: Invalid value: 0: spec.maxConcurrent in body should be greater than or equal to 1",
        "  spec.rateLimit.per: Required value",
        "  spec.selector.matchExpressions[0].operator: Unsupported value: \"in\": supported values: "
            + "\"DoesNotExist\", \"Exists\", \"In\", \"NotIn\"");
  }

  @Test
  void readsWhatKubectlPrintsForFiveThousandPods(@TempDir Path dir) throws Exception {
    StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: List\nmetadata: {resourceVersion: \"\"}\nitems:\n");
    for (int i = 0; i < 5_000; i++) {
      String name = String.format("outpost-delivery-7d9f8c-%05d", i);
      yaml.append("""
          - apiVersion: workerhealth.io/v1alpha1
            kind: WorkerHealth
            metadata:
              creationTimestamp: "2026-01-01T10:00:00Z"
              generation: 1
              labels: {app: outpost, service: delivery, pod-template-hash: 7d9f8c}
              name: %1$s
              namespace: outpost
              ownerReferences:
              - {apiVersion: v1, kind: Pod, name: %1$s, uid: 6f1c2a4e-0000-4000-8000-%2$012d}
              resourceVersion: "%2$d"
              uid: 0b7e9d3c-0000-4000-8000-%2$012d
            spec: {podName: %1$s, targetURL: "http://127.0.0.1:8080/healthz", format: auto, intervalSeconds: 5,
              heartbeatSeconds: 60}
            status:
              phase: Healthy
              format: outpost
              httpStatus: 200
              lastScrapeTime: "2026-01-01T11:59:58Z"
              lastSuccessfulScrapeTime: "2026-01-01T11:59:58Z"
              consecutiveFailures: 0
              ready: 4/4
              workers:
              - {name: http-server, status: Healthy, rawStatus: healthy, lastTransitionTime: "2026-01-01T10:00:00Z"}
              - {name: deliverymq-consumer, status: Healthy, rawStatus: healthy, lastTransitionTime: "2026-01-01T10:00:00Z"}
              - {name: retrymq-consumer, status: Healthy, rawStatus: healthy, lastTransitionTime: "2026-01-01T10:00:00Z"}
              - {name: logmq-consumer, status: Healthy, rawStatus: healthy, lastTransitionTime: "2026-01-01T10:00:00Z"}
          """.formatted(name, i).indent(0));
    }
    assertThat(yaml.length()).as("beyond SnakeYAML's default 3 MiB").isGreaterThan(3 * 1024 * 1024);
    Path healths = Files.writeString(dir.resolve("healths.yaml"), yaml);
    assertThat(run("plan", "--policy", POLICY.toString(), "--health", healths.toString(),
        "--now", "2026-01-01T12:00:00Z")).as(err.toString()).isZero();
    JsonNode plan = new ObjectMapper().readTree(out.toString());
    assertThat(plan.path("pods").path("selected").asInt()).isEqualTo(5_000);
    assertThat(plan.path("pods").path("healthy").asInt()).isEqualTo(5_000);
  }
}
