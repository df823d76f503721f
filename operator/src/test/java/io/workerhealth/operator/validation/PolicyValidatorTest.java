package io.workerhealth.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The offline validator on the CRD this operator ships: kube-apiserver v1.36.3's answers, recorded by
 * PolicyValidationE2E (which proves the agreement on the real API server for a larger table).
 */
class PolicyValidatorTest {

  static final String BLOCKED = "<nil>: Invalid value: null: some validation rules were not checked because the "
      + "object was invalid; correct the existing errors to complete validation";

  static List<String> errors(String spec) {
    String manifest = "apiVersion: workerhealth.io/v1alpha1\nkind: WorkerHealthPolicy\nmetadata: {name: p}\nspec:\n"
        + spec.indent(2);
    return PolicyValidator.load().apiServerErrors(Yaml.tree(manifest));
  }

  @Test
  void answersAsTheApiServer() {
    assertThat(errors("""
        selector: {matchExpressions: [{key: app}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """)).containsExactlyInAnyOrder("spec.selector.matchExpressions[0].operator: Required value", BLOCKED);
    assertThat(errors("""
        selector: {matchExpressions: [{key: app, operator: Bogus, values: [shop]}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """)).containsExactlyInAnyOrder("spec.selector.matchExpressions[0].operator: Unsupported value: \"Bogus\": "
        + "supported values: \"DoesNotExist\", \"Exists\", \"In\", \"NotIn\"", BLOCKED);
    assertThat(errors("""
        selector: {matchExpressions: [{key: app, operator: In}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """)).containsExactly("spec.selector.matchExpressions[0]: Invalid value: values must be given for the "
        + "operators In and NotIn, and left out for Exists and DoesNotExist");
    assertThat(errors("""
        selector: {matchLabels: {app: null}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """)).containsExactly("spec.selector: Invalid value: matchLabels must name at least one label (a label "
        + "written without a value, like 'app:', is dropped and would select every WorkerHealth); to select every "
        + "WorkerHealth in the namespace, write selector: {}");
    assertThat(errors("""
        selector: {}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10, per: 1ms}
        """)).containsExactly("spec.rateLimit: Invalid value: rateLimit.per must be at least 1m: a shorter window "
        + "would let every remediation through");
    assertThat(errors("""
        selector: {}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10}
        """)).containsExactlyInAnyOrder("spec.rateLimit.per: Required value", BLOCKED);
    assertThat(errors("""
        selector: {}
        rules: [{name: Restart_Consumer, workers: [a], when: [], action: RestartPod}]
        maxConcurrent: 0
        """)).containsExactlyInAnyOrder(
        "spec.rules[0].name: Invalid value: \"Restart_Consumer\": spec.rules[0].name in body should match "
            + "'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'",
        "spec.rules[0].when: Invalid value: 0: spec.rules[0].when in body should have at least 1 items",
        "spec.maxConcurrent: Invalid value: 0: spec.maxConcurrent in body should be greater than or equal to 1");
    assertThat(errors("""
        selector: {}
        rules: [{name: r, workers: [a], action: RestartPod}, {name: r, workers: [b], action: RestartPod}]
        maxConcurrent: "two"
        """)).containsExactlyInAnyOrder("spec.rules[1]: Duplicate value: {\"name\":\"r\"}",
        "spec.maxConcurrent: Invalid value: \"string\": spec.maxConcurrent in body must be of type integer: "
            + "\"string\"", BLOCKED);
    assertThat(errors("""
        selector: {}
        rules: [null]
        """)).containsExactlyInAnyOrder("spec.rules[0]: Invalid value: \"null\": spec.rules[0] in body must be of "
        + "type object: \"null\"", BLOCKED);
  }

  @Test
  void acceptsWhatTheApiServerAccepts() {
    assertThat(errors("""
        selector:
          matchExpressions:
          - {key: app, operator: In, values: [shop]}
          - {key: team, operator: Exists, values: []}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 3, per: 60s}
        unknownField: pruned, as the API server does
        """)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({"0s,false", "1ms,false", "59s,false", "59999ms,false", "60000ms,true", "60s,true", "1m,true",
      "001m,true", "0m,false", "0h,false", "1h,true", "999999999h,true", "100s,true"})
  void rateLimitPerMustBeAtLeastOneMinute(String per, boolean accepted) {
    List<String> errors = errors("""
        selector: {}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10, per: %s}
        """.formatted(per));
    assertThat(errors.isEmpty()).as(per + ": " + errors).isEqualTo(accepted);
  }

  @Test
  void refusesASchemaKeywordItDoesNotUnderstand() {
    ObjectNode schema = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    schema.put("type", "object").putObject("properties").putObject("spec").put("type", "string")
        .put("format", "date-time");
    assertThatThrownBy(() -> new CrdSchemaValidator(schema))
        .hasMessageContaining("openAPIV3Schema.spec: schema keyword 'format' is not supported");
  }
}
