package io.workerhealth.demo.scenario;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import java.time.Duration;
import java.util.List;

/** Scenario 1: every pod's workers are healthy; the sidecars say so and the policy has nothing to do. */
public final class AllHealthy implements Scenario {

  private final int replicas;

  public AllHealthy(int replicas) {
    this.replicas = replicas;
  }

  @Override
  public String title() {
    return "1. All healthy";
  }

  @Override
  public void play(DemoStage stage) throws InterruptedException {
    stage.say("each pod runs the sample app (http-server and three queue consumers) and a sidecar reporting it");
    stage.expect("every one of the " + replicas + " pods has a WorkerHealth: Healthy, workers 4/4",
        Duration.ofSeconds(60).plus(stage.podStart()), () -> allHealthy(stage, replicas));
    stage.expect("the policy selects " + replicas + " pods, " + replicas + " healthy, remediation allowed",
        Duration.ofSeconds(30), () -> stage.policyStatus().filter(s -> s.getSelectedPods() == replicas
            && s.getHealthyPods() == replicas && s.getFailingPods() == 0).isPresent()
            && stage.policyCondition("RemediationAllowed").filter(c -> "True".equals(c.getStatus())).isPresent());
  }

  /** Exactly the pods have WorkerHealths, all Healthy with every worker ready. */
  static boolean allHealthy(DemoStage stage, int replicas) {
    List<String> pods = stage.podNames();
    return stage.healths().stream().map(w -> w.getMetadata().getName()).sorted().toList().equals(pods)
        && podsHealthy(stage, replicas);
  }

  /** There are {@code replicas} pods, and each one's WorkerHealth is Healthy with every worker ready. */
  static boolean podsHealthy(DemoStage stage, int replicas) {
    List<String> pods = stage.podNames();
    return pods.size() == replicas && pods.stream().allMatch(pod -> stage.health(pod).map(WorkerHealth::getStatus)
        .filter(s -> s.getPhase() == HealthPhase.Healthy && "4/4".equals(s.getReady())).isPresent());
  }
}
