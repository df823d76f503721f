package io.workerhealth.e2e;

import static io.workerhealth.e2e.RealNode.OPERATOR;
import static io.workerhealth.e2e.RealNode.OPERATOR_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart installed with helm on the real node, with the images built here: the operator runs as a pod, Ready, as
 * its ServiceAccount, and talks to the API server through the in-cluster Service; the CRDs, its RBAC and the
 * admission policy are in place.
 */
@ExtendWith(RealNodeExtension.class)
class OperatorChartOnRealNodeE2E {

  static RealNode node;
  static KubernetesClient admin;

  @BeforeAll
  static void installChart(RealNode realNode) throws Exception {
    node = realNode;
    admin = node.admin;
    node.installChart();
  }

  @Test
  void theOperatorPodRunsReadyAsItsServiceAccountFromTheImageBuiltHere() {
    Pod pod = await().atMost(RealNode.TIMEOUT).until(() -> operatorPods().stream().filter(RealNode::runningAndReady)
        .findFirst().orElse(null), p -> p != null);

    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(OPERATOR);
    assertThat(pod.getSpec().getNodeName()).isEqualTo(node.cluster.node().orElseThrow().nodeName());
    Container container = pod.getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("ghcr.io/workerhealth/operator:0.1.0");
    assertThat(container.getImagePullPolicy()).isEqualTo("Never");
    ContainerStatus status = pod.getStatus().getContainerStatuses().get(0);
    assertThat(status.getReady()).isTrue();
    assertThat(status.getRestartCount()).isZero();
    assertThat(status.getImageID()).as("the image containerd ran").startsWith("sha256:");
    // its ServiceAccount token, projected by the kubelet
    assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> assertThat(v.getProjected()).isNotNull());
    // the pod runs as the image's numeric user, not root
    assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(65532L);

    // Leader election through the in-cluster Service with that token: the Lease names the pod.
    Lease lease = await().atMost(RealNode.TIMEOUT).until(() -> admin.leases().inNamespace(OPERATOR_NS)
        .withName("worker-health-operator").get(), l -> l != null && l.getSpec().getHolderIdentity() != null);
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(pod.getMetadata().getName());
  }

  @Test
  void theCrdsRbacAndAdmissionPolicyAreInForce() {
    for (String crd : List.of("workerhealths.workerhealth.io", "workerhealthpolicies.workerhealth.io")) {
      var c = admin.apiextensions().v1().customResourceDefinitions().withName(crd).get();
      assertThat(c.getStatus().getConditions()).anySatisfy(x -> {
        assertThat(x.getType()).isEqualTo("Established");
        assertThat(x.getStatus()).isEqualTo("True");
      });
    }
    assertThat(admin.rbac().clusterRoleBindings().list().getItems())
        .anySatisfy(b -> assertThat(b.getSubjects()).anySatisfy(s -> {
          assertThat(s.getName()).isEqualTo(OPERATOR);
          assertThat(s.getNamespace()).isEqualTo(OPERATOR_NS);
        }));
    assertThat(admin.rbac().clusterRoles().withName("worker-health-sidecar").get()).isNotNull();
    assertThat(admin.genericKubernetesResources("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy")
        .list().getItems()).singleElement()
        .satisfies(p -> assertThat(p.getMetadata().getName()).isEqualTo(OPERATOR + "-own-pod-only"));
    assertThat(admin.genericKubernetesResources("admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicyBinding").list().getItems()).hasSize(1);
  }

  static List<Pod> operatorPods() {
    return admin.pods().inNamespace(OPERATOR_NS).withLabel("app.kubernetes.io/name", "worker-health-operator")
        .list().getItems();
  }
}
