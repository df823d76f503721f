package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.Map;

/** Kubernetes label selector semantics (matchLabels and matchExpressions), for selecting from the informer cache. */
public final class LabelSelectors {

  private LabelSelectors() {}

  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false; // a policy without a selector selects nothing
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
          case "In" -> value != null && r.getValues() != null && r.getValues().contains(value);
          case "NotIn" -> value == null || r.getValues() == null || !r.getValues().contains(value);
          case "Exists" -> l.containsKey(r.getKey());
          case "DoesNotExist" -> !l.containsKey(r.getKey());
          default -> false;
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }
}
