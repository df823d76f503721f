package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * The schema of {@code spec.selector}: a Kubernetes label selector (the Java type stays fabric8's
 * {@link io.fabric8.kubernetes.api.model.LabelSelector}), with the checks the API server makes for the selectors of
 * built-in resources, which a CRD does not get by itself: a key and a known operator on every expression, values
 * exactly for In and NotIn, and no empty matchLabels. Only the CRD generation reads this class.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = SelectorSchema.MATCH_LABELS_RULE, message = SelectorSchema.MATCH_LABELS_MESSAGE)
public final class SelectorSchema {

  /** At most this many matchExpressions (keeps the schema's CEL cost bounded; real selectors have a few). */
  public static final int MAX_EXPRESSIONS = 64;

  static final String MATCH_LABELS_RULE = "!has(self.matchLabels) || size(self.matchLabels) > 0";
  /**
   * The API server drops a label written without a value ({@code app:} is {@code app: null}) and keeps an empty
   * matchLabels, which would select every WorkerHealth in the namespace.
   */
  public static final String MATCH_LABELS_MESSAGE = "matchLabels must name at least one label (a label written "
      + "without a value, like 'app:', is dropped and would select every WorkerHealth); to select every WorkerHealth "
      + "in the namespace, write selector: {}";

  static final String VALUES_RULE = "self.operator in ['In', 'NotIn']"
      + " ? has(self.values) && size(self.values) > 0 : !has(self.values) || size(self.values) == 0";
  public static final String VALUES_MESSAGE = "values must be given for the operators In and NotIn, and left out for "
      + "Exists and DoesNotExist";

  @JsonPropertyDescription("Labels that must all have exactly these values.")
  public Map<String, String> matchLabels;

  @Size(max = MAX_EXPRESSIONS)
  @JsonPropertyDescription("Requirements that must all hold.")
  public List<Requirement> matchExpressions;

  /** One of matchExpressions. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = VALUES_RULE, message = VALUES_MESSAGE)
  public static final class Requirement {

    @Required
    @Size(min = 1)
    @JsonPropertyDescription("The label key.")
    public String key;

    @Required
    @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
    public SelectorOperator operator;

    @JsonPropertyDescription("For In and NotIn: the values (at least one); none for Exists and DoesNotExist.")
    public List<String> values;
  }
}
