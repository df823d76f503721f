package io.workerhealth.operator.planning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.workerhealth.operator.reconcile.LabelSelectors;
import io.workerhealth.operator.validation.PolicyValidator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Selectors of any shape the CRD's structure lets through (and the older CRD stored without checking them): keys,
 * operators and values absent, empty, misspelled or valid. The operator never throws on one, an invalid one is
 * InvalidSpec and selects nothing, the CRD's rules and the operator's agree on which are valid, and a valid one
 * selects as Kubernetes defines it.
 */
class SelectorProperties {

  static final List<String> KEYS = Arrays.asList("app", "tier", "team", "", null);
  static final List<String> OPERATORS = Arrays.asList("In", "NotIn", "Exists", "DoesNotExist", "in", "exists",
      "Bogus", "", null);
  static final List<String> VALUES = Arrays.asList("shop", "batch", "", "web");

  @Provide
  Arbitrary<LabelSelector> selectors() {
    Arbitrary<List<String>> values = Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.just(List.of()),
        Arbitraries.of(VALUES).list().ofMinSize(1).ofMaxSize(3).map(ArrayList::new),
        Arbitraries.just(Arrays.asList("shop", null)));
    Arbitrary<LabelSelectorRequirement> requirement = Combinators.combine(Arbitraries.of(KEYS),
        Arbitraries.of(OPERATORS), values).as(LabelSelectorRequirement::new);
    Arbitrary<Map<String, String>> matchLabels = Arbitraries.oneOf(Arbitraries.just(null),
        Arbitraries.maps(Arbitraries.of("app", "tier", "team"), Arbitraries.of(VALUES)).ofMinSize(1).ofMaxSize(3));
    Arbitrary<List<LabelSelectorRequirement>> expressions = Arbitraries.oneOf(Arbitraries.just(null),
        requirement.list().ofMaxSize(4).map(ArrayList::new));
    return Combinators.combine(expressions, matchLabels).as(LabelSelector::new);
  }

  @Provide
  Arbitrary<Map<String, String>> labels() {
    return Arbitraries.maps(Arbitraries.of("app", "tier", "team", "other"), Arbitraries.of(VALUES)).ofMaxSize(4)
        .map(HashMap::new);
  }

  @Property(tries = 1000)
  void theOperatorNeverThrowsAndAnInvalidSelectorIsInvalidSpecAndSelectsNothing(
      @ForAll("selectors") LabelSelector selector, @ForAll("labels") Map<String, String> labels) {
    var spec = Fixtures.spec(Fixtures.restartConsumers());
    spec.setSelector(selector);
    boolean valid = SelectorValidation.problems(selector, "spec.selector").isEmpty();
    assertThatCode(() -> LabelSelectors.matches(selector, labels)).doesNotThrowAnyException();
    try {
      PolicySettings.from(spec);
      assertThat(valid).as("accepted only when valid").isTrue();
    } catch (InvalidPolicyException e) {
      assertThat(valid).isFalse();
      assertThat(e.problems()).allSatisfy(p -> assertThat(p).startsWith("spec.selector"));
      assertThat(LabelSelectors.matches(selector, labels)).as("an invalid selector selects nothing").isFalse();
    }
  }

  @Property(tries = 500)
  void theCrdRulesAndTheOperatorAgreeOnWhichSelectorsAreValid(@ForAll("selectors") LabelSelector selector) {
    ObjectMapper json = new ObjectMapper();
    ObjectNode policy = json.createObjectNode();
    policy.put("apiVersion", "workerhealth.io/v1alpha1").put("kind", "WorkerHealthPolicy");
    policy.putObject("metadata").put("name", "p");
    ObjectNode spec = policy.putObject("spec");
    spec.set("selector", json.valueToTree(selector));
    spec.putArray("rules").addObject().put("name", "r").put("action", "RestartPod").putArray("workers").add("a");
    List<String> apiServer = PolicyValidator.load().apiServerErrors(policy);
    List<String> operator = SelectorValidation.problems(selector, "spec.selector");
    assertThat(apiServer.isEmpty()).as("API server %s, operator %s", apiServer, operator)
        .isEqualTo(operator.isEmpty());
  }

  @Property(tries = 1000)
  void aValidSelectorSelectsAsKubernetesDefinesIt(@ForAll("selectors") LabelSelector selector,
                                                  @ForAll("labels") Map<String, String> labels) {
    if (!SelectorValidation.isValid(selector)) {
      return;
    }
    // Kubernetes: each matchLabels entry is the expression {key, operator: In, values: [value]}; all are ANDed
    List<LabelSelectorRequirement> all = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      selector.getMatchLabels().forEach((k, v) -> all.add(new LabelSelectorRequirement(k, "In", List.of(v))));
    }
    if (selector.getMatchExpressions() != null) {
      all.addAll(selector.getMatchExpressions());
    }
    boolean expected = all.stream().allMatch(r -> switch (r.getOperator()) {
      case "In" -> labels.containsKey(r.getKey()) && r.getValues().contains(labels.get(r.getKey()));
      case "NotIn" -> !labels.containsKey(r.getKey()) || !r.getValues().contains(labels.get(r.getKey()));
      case "Exists" -> labels.containsKey(r.getKey());
      default -> !labels.containsKey(r.getKey());
    });
    assertThat(LabelSelectors.matches(selector, labels)).isEqualTo(expected);
    assertThat(LabelSelectors.matches(new LabelSelector(all, new LinkedHashMap<>()), labels)).isEqualTo(expected);
  }
}
