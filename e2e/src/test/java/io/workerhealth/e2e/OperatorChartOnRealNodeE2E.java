package io.workerhealth.e2e;

import static io.workerhealth.e2e.RealNode.OPERATOR;
import static io.workerhealth.e2e.RealNode.OPERATOR_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart installed with helm on the real node, with the images built here: the operator runs as a pod, Ready, as
 * its ServiceAccount, and talks to the API server through the in-cluster Service; the CRDs, its RBAC and the
 * admission policy are in place. Its injection webhook, served by that pod over TLS with the certificate it issued
 * itself, is called by the API server through the chart's Service (kube-proxy's rules on the host): the pods of
 * examples/manifests/app-injected.yaml (one label, one annotation) come out with the native sidecar, run it on the
 * kubelet, and report, a fault in the app included.
 */
@ExtendWith(RealNodeExtension.class)
class OperatorChartOnRealNodeE2E {

  static final String INJECTED_NS = "injected";
  static final String SIDECAR = "worker-health-sidecar";

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

  @Test
  void theInjectedExampleAppRunsItsSidecarOnTheKubeletAndReportsAFaultAsFailed() throws Exception {
    // the webhook's configuration trusts the certificate the operator pod issued and keeps in its Secret
    await().atMost(RealNode.TIMEOUT).until(() -> caBundle() != null && webhookCa() != null
        && new String(Base64.getDecoder().decode(caBundle())).equals(new String(Base64.getDecoder().decode(
            webhookCa()))));
    node.kubectl("create", "namespace", INJECTED_NS);
    // the example is for namespace outpost (ExampleManifestsOnRealNodeE2E's); changed as it invites, nothing else
    node.kubectlApply(Files.readString(RealNode.repository().resolve("examples/manifests/app-injected.yaml"))
        .replace("namespace: outpost", "namespace: " + INJECTED_NS));
    List<Pod> pods = await().atMost(RealNode.TIMEOUT).until(OperatorChartOnRealNodeE2E::injectedPods,
        p -> p.size() == 2 && p.stream().allMatch(RealNode::runningAndReady));

    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      // what the webhook added: the native sidecar, and the label the PodMonitor selects; the app as written
      assertThat(pod.getMetadata().getLabels()).containsEntry("workerhealth.io/sidecar", "true");
      assertThat(pod.getSpec().getInitContainers()).singleElement().satisfies(c -> {
        assertThat(c.getName()).isEqualTo(SIDECAR);
        assertThat(c.getRestartPolicy()).isEqualTo("Always");
        assertThat(c.getImage()).isEqualTo("ghcr.io/workerhealth/sidecar:0.1.0");
      });
      assertThat(pod.getSpec().getContainers()).extracting(Container::getName).containsExactly("app");
      // both running and ready on the kubelet; the sidecar started first and never restarted
      ContainerStatus sidecar = pod.getStatus().getInitContainerStatuses().get(0);
      ContainerStatus app = pod.getStatus().getContainerStatuses().get(0);
      for (ContainerStatus c : List.of(sidecar, app)) {
        assertThat(c.getState().getRunning()).as(c.getName() + " running").isNotNull();
        assertThat(c.getReady()).as(c.getName() + " ready").isTrue();
        assertThat(c.getRestartCount()).as(c.getName() + " restarts").isZero();
      }
      Instant sidecarStarted = Instant.parse(sidecar.getState().getRunning().getStartedAt());
      assertThat(sidecarStarted).isBeforeOrEqualTo(Instant.parse(app.getState().getRunning().getStartedAt()));

      // the sidecar reports: Healthy 4/4, with the pod's labels (pod-template-hash only the labels file can give)
      WorkerHealth wh = await().atMost(RealNode.TIMEOUT).until(() -> injectedHealth(name),
          w -> w != null && w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy);
      assertThat(wh.getStatus().getReady()).isEqualTo("4/4");
      assertThat(wh.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(pod.getMetadata().getUid()));
      assertThat(wh.getMetadata().getLabels()).containsAllEntriesOf(pod.getMetadata().getLabels())
          .containsKey("pod-template-hash");
      // written by the pod's own ServiceAccount, which only the operator's RoleBinding lets write it
      List<JsonNode> writes = node.statusWrites(INJECTED_NS, name);
      assertThat(writes).isNotEmpty().allSatisfy(w -> assertThat(w.at("/user/username").asText())
          .isEqualTo("system:serviceaccount:" + INJECTED_NS + ":outpost-delivery"));
      Instant firstReport = writes.stream().filter(w -> w.at("/responseStatus/code").asInt() < 300)
          .map(w -> Instant.parse(w.at("/requestReceivedTimestamp").asText())).min(Instant::compareTo).orElseThrow();
      Instant created = Instant.parse(pod.getMetadata().getCreationTimestamp());
      System.out.printf(Locale.ROOT, "E2E figure: injected pod %s: created -> sidecar started %.1f s, -> first"
              + " status written %.1f s (sidecar started -> first status %.1f s)%n", name,
          millis(created, sidecarStarted) / 1000.0, millis(created, firstReport) / 1000.0,
          millis(sidecarStarted, firstReport) / 1000.0);
    }
    assertThat(admin.rbac().roleBindings().inNamespace(INJECTED_NS).withName("worker-health-sidecar-outpost-delivery")
        .get()).as("the operator's RoleBinding for the pods' ServiceAccount").isNotNull();

    // a fault in one pod's app: its sidecar reports the worker Failed; the other pod stays Healthy
    Pod faulty = pods.get(0);
    String faultyName = faulty.getMetadata().getName();
    RealNode.fault(faulty, "/faults/fail?worker=deliverymq-consumer");
    WorkerHealth failed = await().atMost(RealNode.TIMEOUT).until(() -> injectedHealth(faultyName),
        w -> w.getStatus().getPhase() == HealthPhase.Failed);
    assertThat(failed.getStatus().getFailing()).isEqualTo("deliverymq-consumer");
    assertThat(failed.getStatus().getReady()).isEqualTo("3/4");
    assertThat(injectedHealth(pods.get(1).getMetadata().getName()).getStatus().getPhase())
        .isEqualTo(HealthPhase.Healthy);
    RealNode.fault(faulty, "/faults/recover-all");
    await().atMost(RealNode.TIMEOUT).until(() -> injectedHealth(faultyName).getStatus().getPhase()
        == HealthPhase.Healthy);
    node.kubectl("delete", "namespace", INJECTED_NS, "--wait=false");
  }

  private static long millis(Instant from, Instant to) {
    return Duration.between(from, to).toMillis();
  }

  private static String caBundle() {
    MutatingWebhookConfiguration c = admin.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(OPERATOR + "-sidecar-injector").get();
    return c == null ? null : c.getWebhooks().get(0).getClientConfig().getCaBundle();
  }

  private static String webhookCa() {
    var secret = admin.secrets().inNamespace(OPERATOR_NS).withName(OPERATOR + "-webhook-tls").get();
    return secret == null || secret.getData() == null ? null : secret.getData().get("ca.crt");
  }

  static List<Pod> injectedPods() {
    return admin.pods().inNamespace(INJECTED_NS).withLabel("app.kubernetes.io/name", "outpost-delivery").list()
        .getItems();
  }

  static WorkerHealth injectedHealth(String pod) {
    return admin.resources(WorkerHealth.class).inNamespace(INJECTED_NS).withName(pod).get();
  }

  static List<Pod> operatorPods() {
    return admin.pods().inNamespace(OPERATOR_NS).withLabel("app.kubernetes.io/name", "worker-health-operator")
        .list().getItems();
  }
}
