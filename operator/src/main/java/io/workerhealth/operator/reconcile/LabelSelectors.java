package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.workerhealth.operator.planning.SelectorValidation;
import java.util.Map;

/**
 * Kubernetes label selector semantics (matchLabels and matchExpressions, ANDed; an empty selector selects
 * everything), for selecting from the informer cache. fabric8 7.5 has no in-memory matcher (it only turns a selector
 * into a query for the API server), hence this one. Never throws: a selector that is not valid Kubernetes (see
 * {@link SelectorValidation}) selects nothing; its policy is reported InvalidSpec.
 */
public final class LabelSelectors {

  private LabelSelectors() {}

  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null || !SelectorValidation.isValid(selector)) {
      return false; // a policy without a valid selector selects nothing
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        String value = l.get(r.getKey());
        boolean ok = switch (r.getOperator()) {
          case "In" -> value != null && r.getValues().contains(value);
          case "NotIn" -> value == null || !r.getValues().contains(value);
          case "Exists" -> l.containsKey(r.getKey());
          default -> !l.containsKey(r.getKey()); // DoesNotExist
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }
}
