package io.workerhealth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeWorkloadTest {

  @Test
  void theDemosPodsAreTheInjectedExampleRenamedAndAskingForTheSidecarAtTheDemosPace() {
    List<HasMetadata> objects;
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      objects = NodeWorkload.objects(client, "shop", "shop", Map.of("app", "shop"), 3,
          Map.of("workerhealth.io/interval", "500ms"));
    }

    assertThat(objects).extracting(o -> o.getClass().getSimpleName())
        .containsExactly("ClusterRole", "ServiceAccount", "RoleBinding", "Deployment");
    ClusterRole role = (ClusterRole) objects.get(0);
    ServiceAccount account = (ServiceAccount) objects.get(1);
    RoleBinding binding = (RoleBinding) objects.get(2);
    Deployment deployment = (Deployment) objects.get(3);
    assertThat(account.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getName()).isEqualTo(account.getMetadata().getName());
      assertThat(s.getNamespace()).isEqualTo("shop");
    });

    assertThat(deployment.getMetadata().getName()).isEqualTo("shop");
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
    assertThat(deployment.getSpec().getSelector().getMatchLabels()).isEqualTo(Map.of("app", "shop"));
    var pod = deployment.getSpec().getTemplate().getSpec();
    // the label asking the webhook for the sidecar, and its settings: the manifest's and the demo's
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app", "shop")
        .containsEntry("workerhealth.io/inject", "true");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("workerhealth.io/format", "outpost").containsEntry("workerhealth.io/interval", "500ms");
    assertThat(pod.getServiceAccountName()).isEqualTo(account.getMetadata().getName());
    assertThat(pod.getDnsPolicy()).isEqualTo("Default");
    // no sidecar in the template: the webhook adds it to each pod
    assertThat(pod.getInitContainers()).isEmpty();
    assertThat(pod.getContainers()).singleElement().satisfies(app -> {
      assertThat(app.getImage()).startsWith("ghcr.io/workerhealth/example-app:");
      // the host reaches the app's fault endpoints at the pod's IP
      assertThat(app.getEnv()).anySatisfy(e -> {
        assertThat(e.getName()).isEqualTo("BIND_ADDRESS");
        assertThat(e.getValue()).isEqualTo("0.0.0.0");
      });
    });
  }
}
