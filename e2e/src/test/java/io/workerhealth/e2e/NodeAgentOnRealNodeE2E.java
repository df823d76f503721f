package io.workerhealth.e2e;

import static io.workerhealth.e2e.RealNode.OPERATOR;
import static io.workerhealth.e2e.RealNode.OPERATOR_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.ReporterKind;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart switched to agent mode on the real node (helm upgrade, images built here): the kubelet runs the sidecar
 * image's agent command in the DaemonSet's pod with the token it projects, the agent renews its node's Lease through
 * the in-cluster Service, scrapes annotated pods with no sidecar at their pod IPs over the node's pod network, and
 * writes their WorkerHealths, the admission policy reading the node from that token. Back to sidecar mode after.
 */
@ExtendWith(RealNodeExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeAgentOnRealNodeE2E {

  static final String NS = "agent-reported";
  static final String APP = "outpost-agent";
  static final String AGENT = OPERATOR + "-agent";
  static final String AGENT_USER = "system:serviceaccount:" + OPERATOR_NS + ":" + AGENT;

  static RealNode node;
  static KubernetesClient admin;
  static String nodeName;

  @BeforeAll
  static void switchTheChartToAgentModeAndRunAnAppWithoutSidecar(RealNode realNode) throws Exception {
    node = realNode;
    admin = node.admin;
    nodeName = node.cluster.node().orElseThrow().nodeName();
    node.installChart();
    agentMode("agent");
    node.kubectl("create", "namespace", NS);
    node.kubectlApply("""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: %1$s
          namespace: %2$s
        spec:
          replicas: 2
          selector:
            matchLabels: {app: %1$s}
          template:
            metadata:
              labels: {app: %1$s}
              annotations:
                workerhealth.io/scrape: "true"
                workerhealth.io/port: http
                workerhealth.io/format: outpost
                workerhealth.io/interval: 2s
            spec:
              automountServiceAccountToken: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 10001
                runAsGroup: 10001
                seccompProfile: {type: RuntimeDefault}
              containers:
                - name: app
                  image: ghcr.io/workerhealth/example-app:0.1.0
                  imagePullPolicy: Never
                  env:
                    - {name: PORT, value: "8080"}
                    - {name: BIND_ADDRESS, value: 0.0.0.0}
                  ports:
                    - {name: http, containerPort: 8080}
                  resources:
                    requests: {cpu: 20m, memory: 128Mi}
                    limits: {memory: 192Mi}
                  securityContext:
                    allowPrivilegeEscalation: false
                    readOnlyRootFilesystem: true
                    capabilities: {drop: ["ALL"]}
                  volumeMounts:
                    - {name: tmp, mountPath: /tmp}
              volumes:
                - name: tmp
                  emptyDir: {sizeLimit: 16Mi}
        """.formatted(APP, NS));
  }

  @AfterAll
  static void backToSidecarMode() throws Exception {
    if (node != null) {
      node.kubectl("delete", "namespace", NS, "--wait=false");
      agentMode("sidecar");
    }
  }

  static void agentMode(String mode) throws Exception {
    node.helm("upgrade", RealNode.RELEASE, RealNode.repository().resolve("charts/worker-health-operator").toString(),
        "--namespace", OPERATOR_NS, "--reuse-values", "--set", "mode=" + mode, "--set",
        "agent.image.pullPolicy=Never", "--wait", "--timeout", "3m");
  }

  @Test
  @Order(1)
  void theKubeletRunsTheImagesAgentCommandAndItsLeaseNamesItsPod() {
    Pod agent = await().atMost(RealNode.TIMEOUT).until(() -> admin.pods().inNamespace(OPERATOR_NS)
        .withLabel("app.kubernetes.io/component", "agent").list().getItems().stream()
        .filter(RealNode::runningAndReady).findFirst().orElse(null), p -> p != null);
    assertThat(agent.getSpec().getNodeName()).isEqualTo(nodeName);
    assertThat(agent.getSpec().getServiceAccountName()).isEqualTo(AGENT);
    Container c = agent.getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("ghcr.io/workerhealth/sidecar:0.1.0");
    assertThat(c.getArgs()).containsExactly("agent");
    ContainerStatus status = agent.getStatus().getContainerStatuses().get(0);
    assertThat(status.getReady()).as("its /healthz answers the kubelet's probe").isTrue();
    assertThat(status.getRestartCount()).isZero();

    Lease lease = await().atMost(RealNode.TIMEOUT).until(() -> admin.leases().inNamespace(OPERATOR_NS)
        .withName(ApiGroup.agentLeaseName(nodeName)).get(), l -> l != null && l.getSpec().getRenewTime() != null);
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(agent.getMetadata().getName());
  }

  @Test
  @Order(2)
  void eachPodIsReportedByTheAgentAtItsPodIpWithTheTokenNamingTheNode() throws Exception {
    List<Pod> pods = await().atMost(RealNode.TIMEOUT).until(NodeAgentOnRealNodeE2E::appPods,
        p -> p.size() == 2 && p.stream().allMatch(RealNode::runningAndReady));
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      WorkerHealth wh = await().atMost(RealNode.TIMEOUT).until(() -> health(name),
          w -> w != null && w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy);
      assertThat(wh.getStatus().getReady()).isEqualTo("4/4");
      assertThat(wh.getSpec().getReporter().getKind()).isEqualTo(ReporterKind.Agent);
      assertThat(wh.getSpec().getReporter().getNodeName()).isEqualTo(nodeName);
      assertThat(wh.getSpec().getTargetURL()).isEqualTo("http://" + pod.getStatus().getPodIP() + ":8080/healthz");
      assertThat(wh.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(pod.getMetadata().getUid()));
      assertThat(wh.getMetadata().getLabels()).containsEntry("app", APP);

      // written by the agent's ServiceAccount, with the token the kubelet projected into its pod: the API server
      // names the node in it, which the admission policy compares with spec.reporter.nodeName
      List<JsonNode> writes = node.statusWrites(NS, name);
      assertThat(writes).isNotEmpty().allSatisfy(e -> {
        assertThat(e.at("/user/username").asText()).isEqualTo(AGENT_USER);
        assertThat(e.at("/user/extra/authentication.kubernetes.io~1node-name/0").asText()).isEqualTo(nodeName);
      }).anySatisfy(e -> assertThat(e.at("/responseStatus/code").asInt()).isEqualTo(200));
    }
  }

  @Test
  @Order(3)
  void aFailedWorkerIsWrittenAtOnceAndTheAgentStaysSmall() throws Exception {
    Pod pod = appPods().get(0);
    String name = pod.getMetadata().getName();
    RealNode.fault(pod, "/faults/fail?worker=" + RemediationOnRealPodsE2E.WORKER);
    WorkerHealth wh = await().atMost(RealNode.TIMEOUT).until(() -> health(name),
        w -> w.getStatus().getPhase() == HealthPhase.Failed);
    assertThat(wh.getStatus().getFailing()).contains(RemediationOnRealPodsE2E.WORKER);
    RealNode.fault(pod, "/faults/recover-all");
    await().atMost(RealNode.TIMEOUT).until(() -> health(name).getStatus().getPhase() == HealthPhase.Healthy);

    Map<String, ContainerMemory.Use> memory = node.memory.highest();
    memory.forEach((container, use) -> {
      if (container.startsWith(OPERATOR_NS + "/" + AGENT) && container.endsWith("/agent")) {
        System.out.printf(Locale.ROOT, "E2E figure: node agent container %s, 2 pods: peak %.1f MiB, working set "
            + "%.1f MiB (limit %.0f MiB)%n", container, use.peakBytes() / 1048576.0,
            use.workingSetBytes() / 1048576.0, use.limitBytes() / 1048576.0);
      }
    });
  }

  static List<Pod> appPods() {
    return admin.pods().inNamespace(NS).withLabel("app", APP).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  static WorkerHealth health(String name) {
    return admin.resources(WorkerHealth.class).inNamespace(NS).withName(name).get();
  }
}
