package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.ArrayList;
import java.util.List;

/** Standard conditions: lastTransitionTime moves only when the status changes. */
final class Conditions {

  private Conditions() {}

  static List<Condition> set(List<Condition> current, String type, boolean status, String reason, String message,
                             Long generation, String now) {
    List<Condition> out = new ArrayList<>();
    String statusWord = status ? "True" : "False";
    boolean found = false;
    for (Condition c : current == null ? List.<Condition>of() : current) {
      if (c.getType().equals(type)) {
        found = true;
        String since = statusWord.equals(c.getStatus()) && c.getLastTransitionTime() != null
            ? c.getLastTransitionTime() : now;
        out.add(condition(type, statusWord, reason, message, generation, since));
      } else {
        out.add(c);
      }
    }
    if (!found) {
      out.add(condition(type, statusWord, reason, message, generation, now));
    }
    return out;
  }

  static Condition get(List<Condition> conditions, String type) {
    return conditions == null ? null
        : conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElse(null);
  }

  private static Condition condition(String type, String status, String reason, String message, Long generation,
                                     String since) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withObservedGeneration(generation).withLastTransitionTime(since).build();
  }
}
