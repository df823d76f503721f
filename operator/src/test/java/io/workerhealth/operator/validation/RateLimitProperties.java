package io.workerhealth.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.workerhealth.api.v1alpha1.RateLimit;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.operator.planning.InvalidPolicyException;
import io.workerhealth.operator.planning.PolicySettings;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The CRD's CEL rule on rateLimit.per and the operator's own check accept the same windows: 1m and longer. */
class RateLimitProperties {

  @Provide
  Arbitrary<String> durations() {
    Arbitrary<String> number = Arbitraries.oneOf(Arbitraries.integers().between(0, 200_000).map(String::valueOf),
        Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(9));
    return Combinators.combine(number, Arbitraries.of("ms", "s", "m", "h")).as((n, unit) -> n + unit);
  }

  @Property(tries = 500)
  void schemaAndOperatorAgreeOnTheShortestWindow(@ForAll("durations") String per) {
    List<String> apiServer = PolicyValidatorTest.errors("""
        selector: {}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10, per: "%s"}
        """.formatted(per));
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "shop")));
    RemediationRule rule = new RemediationRule();
    rule.setName("r");
    rule.setWorkers(List.of("a"));
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(List.of(rule));
    spec.setRateLimit(new RateLimit(10, per));
    boolean operatorAccepts;
    try {
      operatorAccepts = PolicySettings.from(spec).rateLimitPer().compareTo(RateLimit.MIN_PER) >= 0;
    } catch (InvalidPolicyException e) {
      operatorAccepts = false;
    }
    assertThat(apiServer.isEmpty()).as("%s: API server %s", per, apiServer).isEqualTo(operatorAccepts);
  }
}
