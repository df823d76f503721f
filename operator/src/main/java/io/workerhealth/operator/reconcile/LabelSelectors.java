package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.workerhealth.operator.planning.SelectorValidation;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Kubernetes label selector semantics (matchLabels and matchExpressions, ANDed; an empty selector selects
 * everything), for selecting from the informer cache. fabric8 7.5 has no in-memory matcher (it only turns a selector
 * into a query for the API server), hence this one. Never throws: a selector that is not valid Kubernetes (see
 * {@link SelectorValidation}) selects nothing; its policy is reported InvalidSpec.
 */
public final class LabelSelectors {

  private static final Predicate<Map<String, String>> NOTHING = labels -> false;

  private LabelSelectors() {}

  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    return matcher(selector).test(labels);
  }

  /**
   * The selector checked once, as a test of a label set (null: no labels): for matching many objects against one
   * selector without validating it again for each.
   */
  public static Predicate<Map<String, String>> matcher(LabelSelector selector) {
    if (selector == null || !SelectorValidation.isValid(selector)) {
      return NOTHING; // a policy without a valid selector selects nothing
    }
    Map<String, String> matchLabels = selector.getMatchLabels() == null ? Map.of() : Map.copyOf(
        selector.getMatchLabels());
    List<LabelSelectorRequirement> expressions = selector.getMatchExpressions() == null ? List.of()
        : List.copyOf(selector.getMatchExpressions());
    return labels -> {
      Map<String, String> l = labels == null ? Map.of() : labels;
      for (Map.Entry<String, String> e : matchLabels.entrySet()) {
        if (!e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
      for (LabelSelectorRequirement r : expressions) {
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
      return true;
    };
  }
}
