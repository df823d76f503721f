package io.workerhealth.demo.scenario;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import java.time.Duration;
import java.util.List;

/**
 * Scenario 3: the message broker goes down, so every pod's consumers fail at once. Restarting pods would not help;
 * the policy holds back (more pods failing than {@code maxUnhealthy} allows) and says why, in its conditions and an
 * Event. When the broker is back, all pods recover on their own and nobody was restarted.
 */
public final class BrokerOutageSuppressesRestarts implements Scenario {

  private final int replicas;

  public BrokerOutageSuppressesRestarts(int replicas) {
    this.replicas = replicas;
  }

  @Override
  public String title() {
    return "3. Broker outage: every pod's consumers fail, remediation is held back";
  }

  @Override
  public void play(DemoStage stage) throws InterruptedException {
    List<String> before = stage.podNames();
    long restartsBefore = restarts(stage);
    for (String pod : before) {
      stage.fault(pod, "/faults/outage");
    }
    stage.expect("every WorkerHealth shows Failed, 1/4: only http-server is healthy", Duration.ofSeconds(15),
        () -> stage.healths().size() == replicas && stage.healths().stream().allMatch(w -> w.getStatus() != null
            && w.getStatus().getPhase() == HealthPhase.Failed && "1/4".equals(w.getStatus().getReady())));
    stage.expect("the policy suppresses remediation: RemediationAllowed=False, reason TooManyUnhealthy",
        Duration.ofSeconds(15), () -> stage.policyCondition("RemediationAllowed")
            .filter(c -> "False".equals(c.getStatus()) && "TooManyUnhealthy".equals(c.getReason())).isPresent());
    stage.say("why, from the policy's status: " + stage.policyCondition("RemediationAllowed").orElseThrow()
        .getMessage());
    stage.expect("a RemediationSuppressed event tells it too", Duration.ofSeconds(10),
        () -> !stage.events("RemediationSuppressed").isEmpty());
    stage.keeps("no pod is restarted while the outage lasts, well past 'for'", stage.ruleFor().plusSeconds(3),
        () -> stage.podNames().equals(before) && restarts(stage) == restartsBefore);

    stage.say("the broker is back");
    for (String pod : before) {
      stage.fault(pod, "/faults/recover-all");
    }
    stage.expect("all " + replicas + " pods are Healthy 4/4 again and remediation is allowed", Duration.ofSeconds(20),
        () -> AllHealthy.allHealthy(stage, replicas) && stage.policyCondition("RemediationAllowed")
            .filter(c -> "True".equals(c.getStatus())).isPresent());
    stage.keeps("still the same pods: nobody was restarted for the outage", Duration.ofSeconds(2),
        () -> stage.podNames().equals(before) && restarts(stage) == restartsBefore);
  }

  private static long restarts(DemoStage stage) {
    return stage.policyStatus().map(WorkerHealthPolicyStatus::getHistory).orElse(List.of()).stream()
        .filter(r -> r.getOutcome() == RemediationOutcome.Succeeded || r.getOutcome() == RemediationOutcome.Pending)
        .count();
  }
}
