package io.workerhealth.operator.planning;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.operator.validation.PolicyValidator;
import io.workerhealth.operator.validation.Yaml;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped example policies are ones the API server and the operator accept, with the fields it implements. */
class ExamplePoliciesTest {

  static final Path POLICIES = Path.of("../examples/manifests/policies");

  @Test
  void theScaleExampleIsAValidScaleTargetPolicy() throws Exception {
    WorkerHealthPolicy policy = new KubernetesSerialization().unmarshal(
        Files.readString(POLICIES.resolve("scale-consumers.yaml")), WorkerHealthPolicy.class);
    PolicySettings settings = PolicySettings.from(policy.getSpec());
    PolicySettings.Rule rule = settings.rules().get(0);
    assertThat(rule.action()).isEqualTo(RemediationAction.ScaleTarget);
    assertThat(rule.scale().target()).isEqualTo("Deployment/outpost-delivery");
    assertThat(rule.scale().minHealthy()).isEqualTo(2);
    assertThat(rule.scale().maxReplicas()).isEqualTo(6);
    assertThat(rule.scale().stabilizationWindow()).hasMinutes(5);
  }

  @Test
  void everyExamplePolicyIsValid() throws Exception {
    try (var files = Files.list(POLICIES)) {
      for (Path f : files.toList()) {
        WorkerHealthPolicy policy = new KubernetesSerialization().unmarshal(Files.readString(f),
            WorkerHealthPolicy.class);
        assertThat(PolicySettings.from(policy.getSpec()).rules()).as(f.toString()).isNotEmpty();
        assertThat(PolicyValidator.load().apiServerErrors(Yaml.tree(Files.readString(f))))
            .as("what the API server would answer to %s", f).isEmpty();
      }
    }
  }
}
