package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.RemediationAction;
import java.time.Instant;
import java.util.List;

/** The planner's answer: what to do, what not to do and why, and how the selected pods are doing. */
public record Plan(List<Decision> actions, List<Skip> skipped, Counts counts, int inFlight, SkipReason suppressed,
                   String suppressedMessage) {

  public Plan {
    actions = List.copyOf(actions);
    skipped = List.copyOf(skipped);
  }

  /** Whether remediation is allowed at all right now (false when paused or too many pods are unhealthy). */
  public boolean remediationAllowed() {
    return suppressed == null;
  }

  /**
   * A remediation to carry out (or, in dry-run, to record only).
   *
   * @param failingSince when the worker's state began, as the sidecar saw it
   */
  public record Decision(RemediationAction action, String pod, String podUid, String slot, String worker, String rule,
                         Instant failingSince, boolean dryRun, String reason) {}

  /** A remediation a rule asks for that is held back, and why. */
  public record Skip(String pod, String worker, String rule, SkipReason reason, String message) {}

  /** Selected pods by state: healthy, failing (a worker in a state a rule acts on), unknown or stale, other. */
  public record Counts(int selected, int healthy, int failing, int unknown) {}
}
