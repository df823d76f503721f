package io.workerhealth.demo.scenario;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.ScaleSpec;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.demo.PlainYaml;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenario 4: the policy's rule becomes a ScaleTarget rule that keeps at least as many pods with a healthy delivery
 * consumer as the Deployment has replicas. One pod's consumer fails, so too few are healthy: the operator adds a
 * replica through the Deployment's scale subresource, remembers the replicas it started from, and once enough pods
 * have been healthy for the stabilization window, steps back down to them. The restart rule is put back afterwards.
 */
public final class TooFewHealthyConsumersScales implements Scenario {

  static final String WORKER = FailedConsumerRestartsPod.WORKER;
  static final String RULE = "keep-consumers";
  /** Long enough for the failed consumer to be recovered before the operator steps back down, which it does once
   *  enough pods are healthy for this long (the new pod makes them enough, the failed one still failing). */
  static final Duration STABILIZATION_WINDOW = Duration.ofSeconds(5);

  private final String deployment;
  private final int replicas;

  public TooFewHealthyConsumersScales(String deployment, int replicas) {
    this.deployment = deployment;
    this.replicas = replicas;
  }

  @Override
  public String title() {
    return "4. Too few healthy consumers: the operator scales the Deployment up, then back down";
  }

  @Override
  public void play(DemoStage stage) throws InterruptedException {
    int scaled = replicas + 1;
    String target = "Deployment/" + deployment;
    stage.say("the policy's rule becomes ScaleTarget: keep " + replicas + " pods with a healthy " + WORKER
        + " by adding replicas to Deployment " + deployment + "; maxUnhealthy 100% leaves outages to the rule's"
        + " outage hold");
    AtomicReference<WorkerHealthPolicySpec> restartSpec = new AtomicReference<>();
    RemediationRule scaleRule = scaleRule(stage.ruleFor());
    patchPolicy(stage, List.of(scaleRule), new IntOrString("100%"), restartSpec);
    stage.expect("the policy has rule " + RULE + ", and its target can be scaled: ScalingAllowed=True",
        Duration.ofSeconds(15), () -> stage.policyCondition("ScalingAllowed")
            .filter(c -> "True".equals(c.getStatus())).isPresent());

    List<String> before = stage.podNames();
    String failing = before.get(0);
    stage.fault(failing, "/faults/fail?worker=" + WORKER);
    stage.expect("WorkerHealth " + failing + " shows Failed, 3/4, failing " + WORKER, Duration.ofSeconds(15),
        () -> stage.health(failing).map(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Failed
            && "3/4".equals(w.getStatus().getReady()) && WORKER.equals(w.getStatus().getFailing())).orElse(false));
    stage.say((replicas - 1) + " pods with a healthy " + WORKER + ", " + replicas + " wanted: the rule acts once the"
        + " worker has been failed for " + DemoStage.seconds(stage.ruleFor()));
    stage.expect("the operator scales Deployment " + deployment + " from " + replicas + " to " + scaled
        + ", and a ScaledUp event tells it", stage.ruleFor().plusSeconds(20),
        () -> replicas(stage) == scaled && !stage.events("ScaledUp").isEmpty());
    stage.expect("the policy's status remembers it: scaleTargets " + target + " baseline " + replicas + ", last set "
        + scaled + "; history: ScaleTarget " + replicas + " -> " + scaled + " Succeeded", Duration.ofSeconds(10),
        () -> scaleTarget(stage, target).filter(t -> t.getBaselineReplicas() == replicas
            && t.getLastSetReplicas() == scaled).isPresent() && scaling(stage, replicas, scaled).isPresent());
    stage.say("status.scaleTargets: " + describe(scaleTarget(stage, target).orElseThrow()));
    stage.expect("a new pod starts and reports Healthy 4/4: " + replicas + " of " + scaled + " pods have a healthy "
        + WORKER + " again", Duration.ofSeconds(30).plus(stage.podStart()), () -> {
          List<String> pods = stage.podNames();
          return pods.size() == scaled && pods.containsAll(before) && pods.stream().filter(p -> !before.contains(p))
              .allMatch(p -> stage.health(p).map(w -> w.getStatus() != null
                  && w.getStatus().getPhase() == HealthPhase.Healthy && "4/4".equals(w.getStatus().getReady()))
                  .orElse(false));
        });

    stage.say("the consumer of " + failing + " recovers");
    stage.fault(failing, "/faults/recover-all");
    stage.say("once " + replicas + " pods have been healthy for the stabilization window ("
        + DemoStage.seconds(STABILIZATION_WINDOW) + "), the operator steps back to the replicas it started from");
    stage.expect("the operator scales Deployment " + deployment + " back from " + scaled + " to " + replicas
        + ", and a ScaledDown event tells it", STABILIZATION_WINDOW.plusSeconds(20),
        () -> replicas(stage) == replicas && !stage.events("ScaledDown").isEmpty());
    // kube-controller-manager's garbage collector deletes the WorkerHealth of the pod the ReplicaSet removed
    stage.expect(replicas + " pods, all Healthy 4/4; the policy selects " + replicas + ", " + replicas + " healthy,"
        + " and has nothing left to undo (no scaleTargets)", Duration.ofSeconds(45),
        () -> AllHealthy.allHealthy(stage, replicas) && stage.policyStatus().filter(s -> s.getSelectedPods()
            == replicas && s.getHealthyPods() == replicas && s.getScaleTargets().isEmpty()).isPresent()
            && scaling(stage, scaled, replicas).isPresent());
    stage.keeps("the Deployment stays at " + replicas + " replicas, its baseline", Duration.ofSeconds(3),
        () -> replicas(stage) == replicas);

    stage.say("the policy's restart rule is put back");
    WorkerHealthPolicySpec restart = restartSpec.get();
    patchPolicy(stage, restart.getRules(), restart.getMaxUnhealthy(), new AtomicReference<>());
    // the ScalingAllowed condition goes once the operator has reconciled a policy without ScaleTarget rules
    stage.expect("the operator has taken the restart rule back (no ScalingAllowed condition); " + replicas
        + " pods selected, " + replicas + " healthy, remediation allowed", Duration.ofSeconds(15),
        () -> stage.policyCondition("ScalingAllowed").isEmpty() && stage.policyStatus().filter(s ->
            s.getSelectedPods() == replicas && s.getHealthyPods() == replicas && s.getFailingPods() == 0).isPresent()
            && stage.policyCondition("RemediationAllowed").filter(c -> "True".equals(c.getStatus())).isPresent());
  }

  private RemediationRule scaleRule(Duration ruleFor) {
    ScaleSpec scale = new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", deployment), replicas, replicas + 2);
    scale.setStep(1);
    scale.setStabilizationWindow(STABILIZATION_WINDOW.toSeconds() + "s");
    RemediationRule rule = new RemediationRule();
    rule.setName(RULE);
    rule.setWorkers(new ArrayList<>(List.of(WORKER)));
    rule.setFor(ruleFor.toSeconds() + "s");
    rule.setAction(RemediationAction.ScaleTarget);
    rule.setScale(scale);
    return rule;
  }

  /**
   * Sets the policy's rules and maxUnhealthy, and shows it as the {@code kubectl patch} a user would type; the spec
   * as it was before goes into {@code previous}.
   */
  private static void patchPolicy(DemoStage stage, List<RemediationRule> rules, IntOrString maxUnhealthy,
                                  AtomicReference<WorkerHealthPolicySpec> previous) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("maxUnhealthy", maxUnhealthy);
    spec.put("rules", rules);
    stage.command("kubectl patch whp " + stage.policyName() + " -n " + stage.namespace()
        + " --type merge --patch-file /dev/stdin <<EOF",
        PlainYaml.of(stage.client().getKubernetesSerialization(), Map.of("spec", spec)) + "EOF");
    stage.editPolicy(p -> {
      previous.set(stage.client().getKubernetesSerialization().clone(p.getSpec()));
      p.getSpec().setRules(new ArrayList<>(rules));
      p.getSpec().setMaxUnhealthy(maxUnhealthy);
    });
  }

  private int replicas(DemoStage stage) {
    Deployment d = stage.client().apps().deployments().inNamespace(stage.namespace()).withName(deployment).get();
    return d == null || d.getSpec().getReplicas() == null ? -1 : d.getSpec().getReplicas();
  }

  private static Optional<ScaleTargetState> scaleTarget(DemoStage stage, String target) {
    return stage.policyStatus().flatMap(s -> s.getScaleTargets().stream()
        .filter(t -> target.equals(t.getTarget())).findFirst());
  }

  /** The history's record of a successful change of the target's replicas from {@code from} to {@code to}. */
  private static Optional<RemediationRecord> scaling(DemoStage stage, int from, int to) {
    return stage.policyStatus().map(WorkerHealthPolicyStatus::getHistory).orElse(List.of()).stream()
        .filter(r -> r.getAction() == RemediationAction.ScaleTarget && r.getOutcome() == RemediationOutcome.Succeeded
            && Integer.valueOf(from).equals(r.getFromReplicas()) && Integer.valueOf(to).equals(r.getToReplicas()))
        .findFirst();
  }

  private static String describe(ScaleTargetState t) {
    return "target " + t.getTarget() + ", rule " + t.getRule() + ", baselineReplicas " + t.getBaselineReplicas()
        + ", lastSetReplicas " + t.getLastSetReplicas() + ", lastScaleTime " + t.getLastScaleTime();
  }
}
