package io.workerhealth.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeWorkloadTest {

  @Test
  void theDemosPodsAreTheExampleManifestsRenamedAndScrapingAtTheDemosPace() {
    List<HasMetadata> objects;
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      objects = NodeWorkload.objects(client, "shop", "shop", Map.of("app", "shop"), 3, Duration.ofMillis(500));
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
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("app", "shop")
        .containsEntry("workerhealth.io/sidecar", "true");
    assertThat(pod.getServiceAccountName()).isEqualTo(account.getMetadata().getName());
    Container sidecar = pod.getInitContainers().get(0);
    assertThat(sidecar.getImage()).startsWith("ghcr.io/workerhealth/sidecar:");
    assertThat(sidecar.getEnv()).extracting(EnvVar::getName).doesNotHaveDuplicates();
    assertThat(sidecar.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("WH_INTERVAL");
      assertThat(e.getValue()).isEqualTo("500ms");
    });
    // what the manifest gives the sidecar stays: the downward API, the labels file
    assertThat(sidecar.getEnv()).extracting(EnvVar::getName).contains("POD_NAME", "POD_UID", "WH_LABELS_FILE");
    assertThat(pod.getContainers()).singleElement()
        .satisfies(app -> assertThat(app.getImage()).startsWith("ghcr.io/workerhealth/example-app:"));
  }
}
