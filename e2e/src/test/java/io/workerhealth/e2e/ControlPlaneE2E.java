package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CRDs as users install them, against a real kube-apiserver with kube-controller-manager beside it: schema,
 * status subresource, printer columns and garbage collection behave as the operator and sidecar rely on.
 */
class ControlPlaneE2E {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  // The garbage collector picks up a new CRD's kind at its next discovery resync, every 30 seconds.
  private static final Duration GARBAGE_COLLECTION_TIMEOUT = Duration.ofSeconds(90);
  private static final ResourceDefinitionContext WORKER_HEALTH = new ResourceDefinitionContext.Builder()
      .withGroup("workerhealth.io")
      .withVersion("v1alpha1")
      .withPlural("workerhealths")
      .withKind("WorkerHealth")
      .withNamespaced(true)
      .build();
  private static final String NAMESPACE = "e2e";

  private static LocalControlPlane controlPlane;
  private static KubernetesClient client;
  private static List<String> crdNames;

  @BeforeAll
  static void startControlPlaneAndInstallCrds() throws IOException {
    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(), Path.of("target", "control-plane"));
    client = controlPlane.adminClient();
    crdNames = applyAll(crdDirectory());
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .create();
    // Pods are admitted only once the service-account controller has made the namespace's "default" account.
    await().atMost(TIMEOUT).until(
        () -> client.serviceAccounts().inNamespace(NAMESPACE).withName("default").get() != null);
  }

  @AfterAll
  static void stopControlPlane() {
    if (client != null) {
      client.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void everyGeneratedCrdBecomesEstablished() {
    assertThat(crdNames).contains("workerhealths.workerhealth.io");
    for (String name : crdNames) {
      await().atMost(TIMEOUT).untilAsserted(() -> {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().withName(name).get();
        assertThat(crd.getStatus().getConditions())
            .anySatisfy(condition -> {
              assertThat(condition.getType()).isEqualTo("Established");
              assertThat(condition.getStatus()).isEqualTo("True");
            });
      });
    }
  }

  @Test
  void deploymentGetsReplicaSetAndPendingPods() {
    Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).resource(new DeploymentBuilder()
            .withNewMetadata().withName("web").endMetadata()
            .withNewSpec()
            .withReplicas(2)
            .withNewSelector().addToMatchLabels("app", "web").endSelector()
            .withNewTemplate()
            .withNewMetadata().addToLabels("app", "web").endMetadata()
            .withNewSpec()
            .addNewContainer().withName("app").withImage("registry.invalid/web:1").endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build())
        .create();

    await().atMost(TIMEOUT).untilAsserted(() -> {
      List<ReplicaSet> replicaSets = client.apps().replicaSets().inNamespace(NAMESPACE).withLabel("app", "web")
          .list().getItems();
      assertThat(replicaSets).singleElement()
          .satisfies(rs -> assertThat(rs.getMetadata().getOwnerReferences())
              .anySatisfy(owner -> assertThat(owner.getUid()).isEqualTo(deployment.getMetadata().getUid())));
      List<Pod> pods = client.pods().inNamespace(NAMESPACE).withLabel("app", "web").list().getItems();
      assertThat(pods).hasSize(2)
          .allSatisfy(pod -> assertThat(pod.getStatus().getPhase()).isEqualTo("Pending"));
    });
  }

  @Test
  void printerColumnsShowPhaseWorkersAndFailingFromTheStatusSubresource() throws Exception {
    Pod pod = createPod("printed");
    GenericKubernetesResource created = workerHealths().resource(workerHealthOwnedBy(pod)).create();
    created.setAdditionalProperty("status", Map.of(
        "phase", "Degraded",
        "ready", "3/4",
        "failing", "billing",
        "lastScrapeTime", "2026-01-01T00:00:00Z",
        "workers", List.of(
            Map.of("name", "billing", "status", "Failed", "rawStatus", "failed"),
            Map.of("name", "mail", "status", "Healthy"),
            Map.of("name", "search", "status", "Healthy"),
            Map.of("name", "export", "status", "Healthy"))));
    workerHealths().resource(created).updateStatus();

    JsonNode table = getTable("/apis/workerhealth.io/v1alpha1/namespaces/" + NAMESPACE + "/workerhealths/printed");

    List<String> columns = new ArrayList<>();
    table.get("columnDefinitions").forEach(column -> columns.add(column.get("name").asText()));
    assertThat(columns).startsWith("Name", "Phase", "Workers", "Failing", "Last-Report", "Age");
    JsonNode cells = table.get("rows").get(0).get("cells");
    assertThat(List.of(cells.get(0).asText(), cells.get(1).asText(), cells.get(2).asText(), cells.get(3).asText()))
        .containsExactly("printed", "Degraded", "3/4", "billing");
  }

  @Test
  void workerHealthIsGarbageCollectedWithItsPod() {
    Pod pod = createPod("collected");
    workerHealths().resource(workerHealthOwnedBy(pod)).create();

    client.pods().inNamespace(NAMESPACE).withName("collected").delete();

    await().atMost(GARBAGE_COLLECTION_TIMEOUT).untilAsserted(
        () -> assertThat(workerHealths().withName("collected").get()).isNull());
  }

  @Test
  void schemaRejectsWorkerStatusOutsideTheEnum() {
    Pod pod = createPod("invalid");
    GenericKubernetesResource created = workerHealths().resource(workerHealthOwnedBy(pod)).create();
    created.setAdditionalProperty("status", Map.of(
        "phase", "Healthy",
        "workers", List.of(Map.of("name", "billing", "status", "Broken"))));

    assertThatThrownBy(() -> workerHealths().resource(created).updateStatus())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getStatus().getMessage()).contains(
              "status.workers[0].status: Unsupported value: \"Broken\": supported values: "
                  + "\"Degraded\", \"Failed\", \"Healthy\", \"Unknown\"");
        });
  }

  @Test
  void rbacDecidesWhatAServiceAccountTokenMayDo() {
    client.serviceAccounts().inNamespace(NAMESPACE).resource(new ServiceAccountBuilder()
        .withNewMetadata().withName("reader").endMetadata().build()).create();
    String token = client.serviceAccounts().inNamespace(NAMESPACE).withName("reader")
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(600L).endSpec().build())
        .getStatus().getToken();

    try (KubernetesClient reader = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(controlPlane.adminConfig()).withOauthToken(token).build())
        .build()) {
      assertThatThrownBy(() -> reader.genericKubernetesResources(WORKER_HEALTH).inNamespace(NAMESPACE).list())
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));

      client.rbac().roles().inNamespace(NAMESPACE).resource(new RoleBuilder()
          .withNewMetadata().withName("workerhealth-reader").endMetadata()
          .addNewRule().withApiGroups("workerhealth.io").withResources("workerhealths")
          .withVerbs("get", "list", "watch").endRule()
          .build()).create();
      client.rbac().roleBindings().inNamespace(NAMESPACE).resource(new RoleBindingBuilder()
          .withNewMetadata().withName("workerhealth-reader").endMetadata()
          .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role")
          .withName("workerhealth-reader").endRoleRef()
          .addNewSubject().withKind("ServiceAccount").withName("reader").withNamespace(NAMESPACE).endSubject()
          .build()).create();

      await().atMost(TIMEOUT).ignoreException(KubernetesClientException.class).untilAsserted(
          () -> assertThat(reader.genericKubernetesResources(WORKER_HEALTH).inNamespace(NAMESPACE).list()).isNotNull());
      assertThatThrownBy(() -> reader.pods().inNamespace(NAMESPACE).list())
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
  }

  private static Pod createPod(String name) {
    return client.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
            .withNewMetadata().withName(name).endMetadata()
            .withNewSpec()
            .addNewContainer().withName("app").withImage("registry.invalid/app:1").endContainer()
            .endSpec()
            .build())
        .create();
  }

  /** A WorkerHealth named like its pod and owned by it, as the sidecar creates it. */
  private static GenericKubernetesResource workerHealthOwnedBy(Pod pod) {
    GenericKubernetesResource workerHealth = new GenericKubernetesResource();
    workerHealth.setApiVersion("workerhealth.io/v1alpha1");
    workerHealth.setKind("WorkerHealth");
    workerHealth.setMetadata(new ObjectMetaBuilder()
        .withName(pod.getMetadata().getName())
        .withNamespace(NAMESPACE)
        .withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion("v1")
            .withKind("Pod")
            .withName(pod.getMetadata().getName())
            .withUid(pod.getMetadata().getUid())
            .build())
        .build());
    workerHealth.setAdditionalProperty("spec", Map.of(
        "podName", pod.getMetadata().getName(),
        "format", "auto",
        "targetURL", "http://127.0.0.1:8080/healthz"));
    return workerHealth;
  }

  private static NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
      Resource<GenericKubernetesResource>> workerHealths() {
    return client.genericKubernetesResources(WORKER_HEALTH).inNamespace(NAMESPACE);
  }

  /** What `kubectl get` shows: the server renders the printer columns when asked for a Table. */
  private static JsonNode getTable(String path) throws Exception {
    HttpRequest request = client.getHttpClient().newHttpRequestBuilder()
        .uri(controlPlane.serverUrl() + path)
        .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
        .build();
    HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class)
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertThat(response.code()).as(response.body()).isEqualTo(200);
    JsonNode table = new ObjectMapper().readTree(response.body());
    assertThat(table.get("kind").asText()).isEqualTo("Table");
    return table;
  }

  private static Path crdDirectory() {
    return Path.of(System.getProperty("wh.e2e.crdDir", "../crds/generated"));
  }

  /** Applies every YAML file in the directory, returning the names of the CRDs among them. */
  private static List<String> applyAll(Path directory) throws IOException {
    List<Path> files;
    try (Stream<Path> listing = Files.list(directory)) {
      files = listing.filter(path -> path.toString().endsWith(".yml") || path.toString().endsWith(".yaml"))
          .sorted()
          .toList();
    }
    assertThat(files).as("CRD files in " + directory.toAbsolutePath()).isNotEmpty();
    List<String> names = new ArrayList<>();
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata applied : client.load(in).serverSideApply()) {
          if (applied instanceof CustomResourceDefinition crd) {
            names.add(crd.getMetadata().getName());
          }
        }
      }
    }
    return names;
  }
}
