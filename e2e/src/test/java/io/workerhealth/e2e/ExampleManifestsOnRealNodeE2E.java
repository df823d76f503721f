package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The example manifests applied with kubectl as a user would (examples/manifests: sidecar-rbac.yaml, then
 * app-native-sidecar.yaml, then app-classic-sidecar.yaml over it), on the real node with the chart installed: the
 * pods run the images built here, and each sidecar writes its pod's WorkerHealth with the pod's own ServiceAccount
 * token through the in-cluster Service, with the labels the downward API writes to its file.
 */
@ExtendWith(RealNodeExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExampleManifestsOnRealNodeE2E {

  static final String NS = "outpost";
  static final String APP = "outpost-delivery";
  static final String SIDECAR = "worker-health-sidecar";
  static final String SERVICE_ACCOUNT_USER = "system:serviceaccount:" + NS + ":" + APP;

  static RealNode node;
  static KubernetesClient admin;
  static Path manifests;

  @BeforeAll
  static void installChartAndSidecarRbac(RealNode realNode) throws Exception {
    node = realNode;
    admin = node.admin;
    node.installChart();
    manifests = RealNode.repository().resolve("examples/manifests");
    node.kubectl("create", "namespace", NS);
    node.kubectl("apply", "-f", manifests.resolve("sidecar-rbac.yaml").toString());
  }

  @Test
  @Order(1)
  void theNativeSidecarManifestRunsAndEachSidecarReportsWithItsPodsOwnToken() throws Exception {
    node.kubectl("apply", "-f", manifests.resolve("app-native-sidecar.yaml").toString());
    List<Pod> pods = awaitRunningPods(2);

    for (Pod pod : pods) {
      // a native sidecar: an init container that keeps running, started before the app
      assertThat(pod.getSpec().getInitContainers()).singleElement()
          .satisfies(c -> assertThat(c.getRestartPolicy()).isEqualTo("Always"));
      ContainerStatus sidecar = pod.getStatus().getInitContainerStatuses().get(0);
      ContainerStatus app = pod.getStatus().getContainerStatuses().get(0);
      assertThat(sidecar.getName()).isEqualTo(SIDECAR);
      assertThat(sidecar.getState().getRunning()).isNotNull();
      assertThat(sidecar.getReady()).isTrue();
      assertThat(Instant.parse(sidecar.getState().getRunning().getStartedAt()))
          .isBeforeOrEqualTo(Instant.parse(app.getState().getRunning().getStartedAt()));
      assertThat(sidecar.getImage()).isEqualTo("ghcr.io/workerhealth/sidecar:0.1.0");
      assertThat(app.getImage()).isEqualTo("ghcr.io/workerhealth/example-app:0.1.0");
    }
    assertReportedByEachPodsSidecar(pods);
  }

  @Test
  @Order(2)
  void aLabelAddedToThePodReachesItsWorkerHealthThroughTheDownwardApiFile() throws Exception {
    Pod pod = runningPods().get(0);
    String name = pod.getMetadata().getName();
    node.kubectl("label", "pod", "-n", NS, name, "e2e.workerhealth.io/relabelled=yes");
    // the kubelet rewrites the file (syncFrequency 10s); the sidecar reads it again at its next write (at the latest
    // the 60s heartbeat)
    await().atMost(RealNode.TIMEOUT).until(() -> "yes".equals(health(name).getMetadata().getLabels()
        .get("e2e.workerhealth.io/relabelled")));
    // what the sidecar reads is that file, mounted from the downward-API volume
    String file = node.kubectl("exec", "-n", NS, name, "-c", SIDECAR, "--", "cat", "/etc/podinfo/labels");
    assertThat(file).contains("e2e.workerhealth.io/relabelled=\"yes\"");
  }

  @Test
  @Order(3)
  void theClassicSidecarManifestAppliedOverItRollsThePodsAndTheyReportToo() throws Exception {
    List<String> nativePods = runningPods().stream().map(p -> p.getMetadata().getName()).toList();
    node.kubectl("apply", "-f", manifests.resolve("app-classic-sidecar.yaml").toString());
    node.kubectl("rollout", "status", "-n", NS, "deployment/" + APP, "--timeout=180s");
    List<Pod> pods = await().atMost(RealNode.TIMEOUT).until(ExampleManifestsOnRealNodeE2E::runningPods,
        p -> p.size() == 2 && p.stream().noneMatch(x -> nativePods.contains(x.getMetadata().getName())));

    for (Pod pod : pods) {
      assertThat(pod.getSpec().getInitContainers()).isEmpty();
      assertThat(pod.getStatus().getContainerStatuses()).extracting(ContainerStatus::getName)
          .containsExactlyInAnyOrder("app", SIDECAR);
      assertThat(pod.getStatus().getContainerStatuses()).allSatisfy(s -> assertThat(s.getReady()).isTrue());
    }
    assertReportedByEachPodsSidecar(pods);
    // the replaced pods' WorkerHealths go with them (owner references, the garbage collector)
    await().atMost(RealNode.TIMEOUT).until(() -> nativePods.stream().allMatch(p -> health(p) == null));
  }

  @Test
  @Order(4)
  void aSidecarsTokenCannotWriteAnotherPodsHealth() {
    List<Pod> pods = runningPods();
    Pod first = pods.get(0);
    String other = pods.get(1).getMetadata().getName();
    // the token the kubelet gives the first pod's sidecar: its ServiceAccount, bound to that pod
    String token = admin.serviceAccounts().inNamespace(NS).withName(APP).tokenRequest(new TokenRequestBuilder()
        .withNewSpec().withExpirationSeconds(600L).withNewBoundObjectRef().withApiVersion("v1").withKind("Pod")
        .withName(first.getMetadata().getName()).withUid(first.getMetadata().getUid()).endBoundObjectRef().endSpec()
        .build()).getStatus().getToken();
    Config adminConfig = node.cluster.adminConfig();
    try (KubernetesClient asSidecar = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
        .withMasterUrl(adminConfig.getMasterUrl()).withCaCertData(adminConfig.getCaCertData()).withOauthToken(token)
        .build()).build()) {
      String forged = "[{\"op\":\"add\",\"path\":\"/status/phase\",\"value\":\"Failed\"}]";
      assertThatThrownBy(() -> asSidecar.resources(WorkerHealth.class).inNamespace(NS).withName(other)
          .subresource("status").patch(PatchContext.of(PatchType.JSON), forged))
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isIn(403, 422))
          .hasMessageContaining("may only write the WorkerHealth named after itself");
    }
    assertThat(health(other).getStatus().getPhase()).isEqualTo(HealthPhase.Healthy);
  }

  /**
   * Each pod's WorkerHealth: Healthy 4/4 in the printer columns, owned by the pod, labelled with the pod's labels,
   * and written (the audit log says) by its sidecar: the pod's ServiceAccount with a token bound to that pod, from
   * the pod's own address, having reached the API server at the kubernetes Service's address.
   */
  static void assertReportedByEachPodsSidecar(List<Pod> pods) throws Exception {
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      WorkerHealth wh = await().atMost(RealNode.TIMEOUT).until(() -> health(name),
          w -> w != null && w.getStatus() != null && w.getStatus().getPhase() == HealthPhase.Healthy);
      assertThat(wh.getStatus().getReady()).isEqualTo("4/4");
      assertThat(wh.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(o -> assertThat(o.getUid()).isEqualTo(pod.getMetadata().getUid()));
      // pod-template-hash is set by the ReplicaSet on the pod only: it can only have come from the labels file
      assertThat(wh.getMetadata().getLabels()).containsAllEntriesOf(pod.getMetadata().getLabels())
          .containsKey("pod-template-hash");

      await().atMost(RealNode.TIMEOUT).untilAsserted(() -> assertThat(node.statusWrites(NS, name)).anySatisfy(e -> {
        assertThat(e.at("/user/username").asText()).isEqualTo(SERVICE_ACCOUNT_USER);
        assertThat(e.at("/user/extra/authentication.kubernetes.io~1pod-name/0").asText()).isEqualTo(name);
        assertThat(e.at("/sourceIPs/0").asText()).isEqualTo(pod.getStatus().getPodIP());
        assertThat(e.at("/responseStatus/code").asInt()).isEqualTo(200);
      }));
      String apiServerAddress = node.kubectl("exec", "-n", NS, name, "-c", SIDECAR, "--", "printenv",
          "KUBERNETES_SERVICE_HOST").strip();
      assertThat(apiServerAddress).as("the in-cluster config's API server: the kubernetes Service")
          .isEqualTo(admin.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP());
    }
    JsonNode table = table("/apis/workerhealth.io/v1alpha1/namespaces/" + NS + "/workerhealths");
    List<String> columns = new ArrayList<>();
    table.get("columnDefinitions").forEach(c -> columns.add(c.get("name").asText()));
    assertThat(columns).startsWith("Name", "Phase", "Workers", "Failing", "Last-Report", "Age");
    Map<String, JsonNode> rows = new HashMap<>();
    table.get("rows").forEach(r -> rows.put(r.get("cells").get(0).asText(), r.get("cells")));
    for (Pod pod : pods) {
      JsonNode cells = rows.get(pod.getMetadata().getName());
      assertThat(cells).as("row of " + pod.getMetadata().getName()).isNotNull();
      assertThat(cells.get(1).asText()).isEqualTo("Healthy");
      assertThat(cells.get(2).asText()).isEqualTo("4/4");
      assertThat(cells.get(3).isNull() || cells.get(3).asText().isEmpty()).as("Failing column").isTrue();
    }
  }

  static List<Pod> awaitRunningPods(int count) {
    return await().atMost(RealNode.TIMEOUT).until(ExampleManifestsOnRealNodeE2E::runningPods,
        p -> p.size() == count);
  }

  static List<Pod> runningPods() {
    return admin.pods().inNamespace(NS).withLabel("app.kubernetes.io/name", APP).list().getItems().stream()
        .filter(RealNode::runningAndReady).toList();
  }

  static WorkerHealth health(String pod) {
    return admin.resources(WorkerHealth.class).inNamespace(NS).withName(pod).get();
  }

  static JsonNode table(String path) throws Exception {
    HttpRequest request = admin.getHttpClient().newHttpRequestBuilder().uri(node.cluster.serverUrl() + path)
        .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build();
    HttpResponse<String> response = admin.getHttpClient().sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    assertThat(response.code()).as(response.body()).isEqualTo(200);
    return new ObjectMapper().readTree(response.body());
  }
}
