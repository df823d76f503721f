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
        Duration.ofSeconds(60), () -> allHealthy(stage, replicas));
    stage.expect("the policy selects " + replicas + " pods, " + replicas + " healthy, remediation allowed",
        Duration.ofSeconds(30), () -> stage.policyStatus().filter(s -> s.getSelectedPods() == replicas
            && s.getHealthyPods() == replicas && s.getFailingPods() == 0).isPresent()
            && stage.policyCondition("RemediationAllowed").filter(c -> "True".equals(c.getStatus())).isPresent());
  }

  /** Exactly the running pods have WorkerHealths, all Healthy with every worker ready. */
  static boolean allHealthy(DemoStage stage, int replicas) {
    List<String> pods = stage.podNames();
    List<WorkerHealth> healths = stage.healths();
    return pods.size() == replicas
        && healths.stream().map(w -> w.getMetadata().getName()).sorted().toList().equals(pods)
        && healths.stream().allMatch(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy
            && "4/4".equals(w.getStatus().getReady()));
  }
}
