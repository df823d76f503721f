package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a policy being deleted does about the scale targets it scaled up and has not brought back: each goes back to
 * its baseline (the replicas it had before the operator first scaled it) when its rule has scale.restoreOnDelete
 * (the default) and it still has the replicas the operator set; otherwise it is left as it is. Pure.
 */
public final class BaselineRestore {

  private BaselineRestore() {}

  /** A target to look at: its key ({@code Kind/name}) and reference. */
  public record Target(String target, ScaleTargetRef ref) {}

  /**
   * One target's outcome.
   *
   * @param from the replicas now (null when left alone)
   * @param to   the replicas to set, or null to leave it as it is
   */
  public record Step(String target, ScaleTargetRef ref, Integer from, Integer to, String message) {}

  /** The targets whose state the status keeps and whose rule restores them on deletion. */
  public static List<Target> targets(PolicySettings settings, List<ScaleTargetState> states) {
    List<Target> out = new ArrayList<>();
    if (settings == null) {
      return out;
    }
    for (ScaleTargetState st : states) {
      for (PolicySettings.Rule rule : settings.rules()) {
        PolicySettings.Scale scale = rule.scale();
        if (scale != null && scale.restoreOnDelete() && scale.target().equals(st.getTarget())) {
          out.add(new Target(st.getTarget(), scale.targetRef()));
        }
      }
    }
    return out;
  }

  public static List<Step> plan(PolicySettings settings, List<ScaleTargetState> states,
                                Map<String, ScaleTargetObservation> observed) {
    List<Step> steps = new ArrayList<>();
    for (Target t : targets(settings, states)) {
      ScaleTargetState st = states.stream().filter(s -> t.target().equals(s.getTarget())).findFirst().orElseThrow();
      ScaleTargetObservation now = observed.get(t.target());
      Integer baseline = st.getBaselineReplicas();
      if (now == null || now.replicas() == null) {
        steps.add(new Step(t.target(), t.ref(), null, null, t.target() + " cannot be read ("
            + (now == null ? "not observed" : now.problem()) + "): left as it is"));
      } else if (baseline == null || now.replicas() <= baseline) {
        steps.add(new Step(t.target(), t.ref(), now.replicas(), null, t.target() + " has " + now.replicas()
            + " replicas, not above its baseline " + baseline + ": nothing to restore"));
      } else if (!Objects.equals(now.replicas(), st.getLastSetReplicas())) {
        steps.add(new Step(t.target(), t.ref(), now.replicas(), null, t.target() + " has " + now.replicas()
            + " replicas, not the " + st.getLastSetReplicas() + " the operator set: someone else changed it; left "
            + "as it is"));
      } else {
        steps.add(new Step(t.target(), t.ref(), now.replicas(), baseline, "the policy is deleted: scaled "
            + t.target() + " back from " + now.replicas() + " to its baseline " + baseline));
      }
    }
    return steps;
  }
}
