package io.workerhealth.demo.scenario;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 5: the broker goes down and the consumers, like hookdeck/outpost's, stop for good after a few errors; the
 * app also refuses to start while the broker is down. The policy holds (too many pods unhealthy), then restarts one
 * canary pod; its replacement cannot start, so the policy backs off, and only the canary pays. When the broker is
 * back, the next canary recovers, the other pods are restarted one at a time, and all are Healthy again: no human.
 */
public final class OutageRecoveredByCanary implements Scenario {

  private final int replicas;

  public OutageRecoveredByCanary(int replicas) {
    this.replicas = replicas;
  }

  @Override
  public String title() {
    return "5. Broker outage, consumers that stop for good (like Outpost): held, a canary, then a rolling recovery";
  }

  @Override
  public void play(DemoStage stage) throws InterruptedException {
    List<String> before = stage.podNames();
    stage.say("the broker at " + stage.broker().address() + " goes down; each app's consumers fail and, after 5 "
        + "errors in a row, stop for good (only a restart brings them back); a new app refuses to start without it");
    stage.broker().stop();
    stage.expect("every WorkerHealth shows Failed, 1/4", Duration.ofSeconds(15),
        () -> stage.healths().size() == replicas && stage.healths().stream().allMatch(w -> w.getStatus() != null
            && w.getStatus().getPhase() == HealthPhase.Failed && "1/4".equals(w.getStatus().getReady())));
    stage.expect("the policy holds: RemediationAllowed=False (TooManyUnhealthy), OutageRecovery=True (OutageHeld)",
        Duration.ofSeconds(15), () -> stage.policyCondition("RemediationAllowed")
            .filter(c -> "False".equals(c.getStatus()) && "TooManyUnhealthy".equals(c.getReason())).isPresent()
            && stage.policyCondition("OutageRecovery").filter(c -> "OutageHeld".equals(c.getReason())).isPresent());
    stage.say("what the policy does, from its status: " + recoveryMessage(stage));
    stage.expect("an OutageHeld event tells it too", Duration.ofSeconds(10),
        () -> !stage.events("OutageHeld").isEmpty());

    stage.expect("after recovery.after, one pod, the canary, is restarted: a RecoveryCanary event",
        Duration.ofSeconds(30), () -> !stage.events("RecoveryCanary").isEmpty() && evictedOf(stage, before) == 1);
    stage.expect("its replacement cannot start while the broker is down: the canary did not recover, the policy "
        + "backs off (RecoveryBackingOff)", Duration.ofSeconds(30),
        () -> !stage.events("RecoveryBackingOff").isEmpty());
    stage.say("from the policy's status: " + recoveryMessage(stage));
    stage.keeps("only the canary pays: one of the " + replicas + " pods was restarted, the others are held",
        Duration.ofSeconds(1), () -> evictedOf(stage, before) == 1);

    stage.say("the broker is back");
    stage.broker().start();
    Instant back = stage.now();
    stage.expect("the next canary recovers, and the other pods are restarted one at a time: RollingRecovery",
        Duration.ofSeconds(40), () -> !stage.events("RollingRecovery").isEmpty());
    stage.expect("all " + replicas + " pods are Healthy 4/4 again, the recovery is over (RecoveryComplete), "
        + "remediation is allowed", Duration.ofSeconds(60), () -> AllHealthy.allHealthy(stage, replicas)
        && !stage.events("RecoveryComplete").isEmpty() && stage.policyStatus().map(s -> s.getRecovery() == null)
        .orElse(false) && stage.policyCondition("RemediationAllowed").filter(c -> "True".equals(c.getStatus()))
        .isPresent());
    stage.say(String.format(Locale.ROOT, "from the broker back to all pods Healthy: %.1fs, no human involved",
        Duration.between(back, stage.now()).toMillis() / 1000.0));
    stage.expect("every pod that held a stopped consumer was restarted", Duration.ofSeconds(5),
        () -> evictedOf(stage, before) == replicas);
    long rolling = restarts(stage).stream().filter(r -> r.getRecovery() == RecoveryPhase.Rolling).count();
    stage.say("restarts for the outage: " + restarts(stage).stream().filter(r -> r.getRecovery() != null).count()
        + " (canaries and " + rolling + " rolling), as the history records them");
  }

  private static String recoveryMessage(DemoStage stage) {
    return stage.policyStatus().map(WorkerHealthPolicyStatus::getRecovery)
        .map(r -> r.getPhase() + ": " + r.getMessage()).orElse("(no recovery)");
  }

  /** How many of the given pods are gone. */
  private static long evictedOf(DemoStage stage, List<String> pods) {
    List<String> now = stage.podNames();
    return pods.stream().filter(p -> !now.contains(p)).count();
  }

  private static List<RemediationRecord> restarts(DemoStage stage) {
    return stage.policyStatus().map(WorkerHealthPolicyStatus::getHistory).orElse(List.of());
  }
}
