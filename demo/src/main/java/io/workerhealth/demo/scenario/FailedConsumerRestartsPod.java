package io.workerhealth.demo.scenario;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Scenario 2: one pod's delivery consumer fails. Its WorkerHealth shows it; once it has been failed for the rule's
 * {@code for}, the operator evicts that pod (and only that one); the ReplicaSet replaces it and all is healthy again.
 */
public final class FailedConsumerRestartsPod implements Scenario {

  static final String WORKER = "deliverymq-consumer";

  private final int replicas;

  public FailedConsumerRestartsPod(int replicas) {
    this.replicas = replicas;
  }

  @Override
  public String title() {
    return "2. One pod's consumer fails: the operator restarts that pod";
  }

  @Override
  public void play(DemoStage stage) throws InterruptedException {
    List<String> before = stage.podNames();
    String victim = before.get(0);
    List<String> others = before.subList(1, before.size());
    stage.fault(victim, "/faults/fail?worker=" + WORKER);
    stage.expect("WorkerHealth " + victim + " shows Failed, 3/4, failing " + WORKER, Duration.ofSeconds(15),
        () -> stage.health(victim).map(w -> w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Failed
            && "3/4".equals(w.getStatus().getReady()) && WORKER.equals(w.getStatus().getFailing())).orElse(false));
    stage.say("the rule acts once the worker has been failed for " + DemoStage.seconds(stage.ruleFor()));
    stage.expect("the operator evicts pod " + victim + ", and no other", stage.ruleFor().plusSeconds(20),
        () -> !stage.podNames().contains(victim) && stage.podNames().containsAll(others));

    stage.expect("the policy's history records the restart of " + victim + " (RestartPod, Succeeded) and a Restarted"
        + " event tells it", Duration.ofSeconds(10),
        () -> restart(stage, victim).isPresent() && !stage.events("Restarted").isEmpty());
    RemediationRecord r = restart(stage, victim).orElseThrow();
    Duration waited = Duration.between(Instant.parse(r.getFailingSince()), Instant.parse(r.getTime()));
    if (waited.compareTo(stage.ruleFor()) < 0) {
      throw new ExpectationFailed("the pod is restarted no sooner than 'for' (" + DemoStage.seconds(stage.ruleFor())
          + ") after its worker failed", "failing since " + r.getFailingSince() + ", restarted at " + r.getTime());
    }
    stage.say("failing since " + r.getFailingSince() + ", restarted " + DemoStage.seconds(waited) + " later (for: "
        + DemoStage.seconds(stage.ruleFor()) + ")");

    stage.expect("a replacement pod runs, and all " + replicas + " pods are Healthy 4/4 again",
        Duration.ofSeconds(30).plus(stage.podStart()),
        () -> AllHealthy.podsHealthy(stage, replicas) && !stage.podNames().contains(victim));
    // kube-controller-manager's garbage collector looks for new resource types every 30s: on a control plane
    // started a moment ago, the first WorkerHealth it deletes can take that long.
    stage.expect("the garbage collector deletes " + victim + "'s WorkerHealth, owned by the evicted pod",
        Duration.ofSeconds(45), () -> stage.health(victim).isEmpty());
  }

  static Optional<RemediationRecord> restart(DemoStage stage, String pod) {
    return stage.policyStatus().flatMap(s -> s.getHistory().stream()
        .filter(r -> pod.equals(r.getPod()) && r.getAction() == RemediationAction.RestartPod
            && r.getOutcome() == RemediationOutcome.Succeeded)
        .findFirst());
  }
}
