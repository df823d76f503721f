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
}
