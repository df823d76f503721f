package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.workerhealth.api.v1alpha1.SelectorOperator;
import io.workerhealth.api.v1alpha1.SelectorSchema;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Whether a label selector means something under Kubernetes' rules: every expression has a key and one of the
 * operators In, NotIn, Exists, DoesNotExist (case matters); In and NotIn carry values, Exists and DoesNotExist none.
 * The CRD schema checks the same (see {@link SelectorSchema}); the operator checks again because a policy may predate
 * the schema or come from elsewhere, and an invalid selector must select nothing rather than fail.
 *
 * <p>An empty {@code matchLabels} (what the API server keeps of {@code {app: null}}) cannot be told from an absent
 * one once read, so only the schema can refuse it.
 */
public final class SelectorValidation {

  private static final List<String> OPERATORS = Arrays.stream(SelectorOperator.values()).map(Enum::name).toList();

  private SelectorValidation() {}

  /** The problems of {@code selector}, each prefixed with {@code where} (e.g. spec.selector); empty if valid. */
  public static List<String> problems(LabelSelector selector, String where) {
    List<String> problems = new ArrayList<>();
    if (selector == null) {
      problems.add(where + " is required");
      return problems;
    }
    if (selector.getMatchLabels() != null) {
      selector.getMatchLabels().forEach((key, value) -> {
        if (key == null || key.isEmpty() || value == null) {
          problems.add(where + ".matchLabels: label '" + key + "' needs a key and a value (\"\" for an empty one)");
        }
      });
    }
    List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
    if (expressions == null) {
      return problems;
    }
    if (expressions.size() > SelectorSchema.MAX_EXPRESSIONS) {
      problems.add(where + ".matchExpressions: at most " + SelectorSchema.MAX_EXPRESSIONS + " expressions");
    }
    for (int i = 0; i < expressions.size(); i++) {
      LabelSelectorRequirement r = expressions.get(i);
      String at = where + ".matchExpressions[" + i + "]";
      if (r == null) {
        problems.add(at + " is empty");
        continue;
      }
      if (r.getKey() == null || r.getKey().isEmpty()) {
        problems.add(at + ".key is required");
      }
      if (r.getOperator() == null) {
        problems.add(at + ".operator is required: one of " + String.join(", ", OPERATORS));
        continue;
      }
      if (!OPERATORS.contains(r.getOperator())) {
        problems.add(at + ".operator '" + r.getOperator() + "' is not one of " + String.join(", ", OPERATORS));
        continue;
      }
      boolean hasValues = r.getValues() != null && !r.getValues().isEmpty();
      boolean needsValues = r.getOperator().equals("In") || r.getOperator().equals("NotIn");
      if (hasValues != needsValues) {
        problems.add(at + ": " + SelectorSchema.VALUES_MESSAGE);
      } else if (hasValues && r.getValues().stream().anyMatch(java.util.Objects::isNull)) {
        problems.add(at + ".values: a value is null");
      }
    }
    return problems;
  }

  public static boolean isValid(LabelSelector selector) {
    return problems(selector, "selector").isEmpty();
  }
}
