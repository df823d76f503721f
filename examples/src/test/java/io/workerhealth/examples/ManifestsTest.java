package io.workerhealth.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The example manifests, read the way a cluster reads them: typed where fabric8 knows the kind. */
class ManifestsTest {

  private static final Path MANIFESTS = Path.of("manifests");
  private static final String SIDECAR_IMAGE = "ghcr.io/workerhealth/sidecar:0.1.0";
  private static final String APP_IMAGE = "ghcr.io/workerhealth/example-app:0.1.0";
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final YAMLMapper YAML = new YAMLMapper();

  // ---- the app Deployments ------------------------------------------------------------------------------------

  @Test
  void nativeSidecarIsAnInitContainerThatKeepsRunning() throws IOException {
    PodSpec pod = deployment("app-native-sidecar.yaml").getSpec().getTemplate().getSpec();

    assertThat(pod.getInitContainers()).singleElement().satisfies(sidecar -> {
      assertThat(sidecar.getImage()).isEqualTo(SIDECAR_IMAGE);
      assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
    });
    assertThat(pod.getContainers()).extracting(Container::getImage).containsExactly(APP_IMAGE);
  }

  @Test
  void classicSidecarIsASecondRegularContainer() throws IOException {
    PodSpec pod = deployment("app-classic-sidecar.yaml").getSpec().getTemplate().getSpec();

    assertThat(pod.getInitContainers()).isNullOrEmpty();
    assertThat(pod.getContainers()).extracting(Container::getImage).containsExactly(APP_IMAGE, SIDECAR_IMAGE);
    assertThat(sidecar(pod).getRestartPolicy()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"app-native-sidecar.yaml", "app-classic-sidecar.yaml"})
  void sidecarLearnsItsPodFromTheDownwardApi(String file) throws IOException {
    Container sidecar = sidecar(deployment(file).getSpec().getTemplate().getSpec());

    assertThat(fieldRef(sidecar, "POD_NAME")).isEqualTo("metadata.name");
    assertThat(fieldRef(sidecar, "POD_NAMESPACE")).isEqualTo("metadata.namespace");
    assertThat(fieldRef(sidecar, "POD_UID")).isEqualTo("metadata.uid");
  }

  @ParameterizedTest
  @ValueSource(strings = {"app-native-sidecar.yaml", "app-classic-sidecar.yaml"})
  void labelsFileIsWhereTheDownwardApiVolumeWritesThePodLabels(String file) throws IOException {
    PodSpec pod = deployment(file).getSpec().getTemplate().getSpec();
    Container sidecar = sidecar(pod);
    Path labelsFile = Path.of(env(sidecar, "WH_LABELS_FILE"));

    VolumeMount mount = sidecar.getVolumeMounts().stream()
        .filter(m -> labelsFile.getParent().equals(Path.of(m.getMountPath())))
        .findFirst().orElseThrow(() -> new AssertionError("nothing mounted at " + labelsFile.getParent()));
    Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();

    assertThat(labelsFile).isEqualTo(Path.of("/etc/podinfo/labels"));
    assertThat(volume.getDownwardAPI().getItems()).anySatisfy(item -> {
      assertThat(item.getPath()).isEqualTo(labelsFile.getFileName().toString());
      assertThat(item.getFieldRef().getFieldPath()).isEqualTo("metadata.labels");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"app-native-sidecar.yaml", "app-classic-sidecar.yaml"})
  void everyContainerIsHardened(String file) throws IOException {
    PodSpec pod = deployment(file).getSpec().getTemplate().getSpec();
    PodSecurityContext podSecurity = pod.getSecurityContext();

    assertThat(podSecurity.getRunAsNonRoot()).isTrue();
    assertThat(podSecurity.getRunAsUser()).isPositive();
    assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(allContainers(pod)).hasSize(2).allSatisfy(container -> {
      SecurityContext security = container.getSecurityContext();
      assertThat(security.getReadOnlyRootFilesystem()).as(container.getName()).isTrue();
      assertThat(security.getAllowPrivilegeEscalation()).as(container.getName()).isFalse();
      assertThat(security.getCapabilities().getDrop()).as(container.getName()).containsExactly("ALL");
      assertThat(security.getRunAsUser()).as("no container overrides the pod's user").isNull();
      assertThat(container.getResources().getRequests()).as(container.getName()).containsKeys("cpu", "memory");
      assertThat(container.getResources().getLimits()).as(container.getName()).containsKey("memory");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"app-native-sidecar.yaml", "app-classic-sidecar.yaml"})
  void sidecarScrapesThePortTheAppListensOn(String file) throws IOException {
    PodSpec pod = deployment(file).getSpec().getTemplate().getSpec();
    Container app = app(pod);
    URI target = URI.create(env(sidecar(pod), "WH_TARGET_URL"));

    assertThat(target.getHost()).isEqualTo("127.0.0.1");
    assertThat(target.getPath()).isEqualTo("/healthz");
    // The app reads PORT exactly as SampleWorkerApp would inside the container.
    SampleAppConfig appConfig = SampleAppConfig.fromEnvironment(Map.of("PORT", env(app, "PORT")));
    assertThat(appConfig.port()).isEqualTo(target.getPort());
    assertThat(app.getPorts()).extracting(ContainerPort::getContainerPort).contains(target.getPort());
  }

  @ParameterizedTest
  @ValueSource(strings = {"app-native-sidecar.yaml", "app-classic-sidecar.yaml"})
  void sidecarExposesMetricsAndIsProbedThere(String file) throws IOException {
    Container sidecar = sidecar(deployment(file).getSpec().getTemplate().getSpec());

    ContainerPort metrics = sidecar.getPorts().stream().filter(p -> "metrics".equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no port named metrics"));
    assertThat(metrics.getContainerPort()).isEqualTo(9090);
    assertThat(env(sidecar, "WH_METRICS_PORT")).isEqualTo("9090");

    var liveness = sidecar.getLivenessProbe().getHttpGet();
    assertThat(liveness.getPath()).isEqualTo("/healthz");
    assertThat(resolvePort(sidecar, liveness.getPort())).isEqualTo(9090);
    // the JVM flags measured by sidecar/bench/run.sh are the image's (sidecar/Dockerfile): not overridden here
    assertThat(sidecar.getEnv()).noneMatch(e -> e.getName().equals("JAVA_TOOL_OPTIONS"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"app-native-sidecar.yaml", "app-classic-sidecar.yaml"})
  void deploymentSelectsItsPodsAndRunsAsTheBoundServiceAccount(String file) throws IOException {
    Deployment deployment = deployment(file);
    ServiceAccount account = rbac(ServiceAccount.class).get(0);

    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels())
        .containsEntry("workerhealth.io/sidecar", "true");
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(account.getMetadata().getName());
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(account.getMetadata().getNamespace());
  }

  // ---- RBAC -----------------------------------------------------------------------------------------------------

  @Test
  void roleBindingGrantsTheSidecarClusterRoleToTheAppServiceAccountInItsNamespace() throws IOException {
    ServiceAccount account = rbac(ServiceAccount.class).get(0);
    ClusterRole role = rbac(ClusterRole.class).get(0);
    RoleBinding binding = rbac(RoleBinding.class).get(0);

    assertThat(account.getMetadata().getName()).isEqualTo("outpost-delivery");
    assertThat(role.getMetadata().getName()).isEqualTo("worker-health-sidecar");
    assertThat(binding.getMetadata().getNamespace()).isEqualTo(account.getMetadata().getNamespace());
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
      assertThat(subject.getKind()).isEqualTo("ServiceAccount");
      assertThat(subject.getName()).isEqualTo(account.getMetadata().getName());
      assertThat(subject.getNamespace()).isEqualTo(account.getMetadata().getNamespace());
    });
  }

  @Test
  void sidecarClusterRoleAllowsExactlyWhatTheSidecarDoes() throws IOException {
    List<PolicyRule> rules = rbac(ClusterRole.class).get(0).getRules();

    assertThat(verbs(rules, "workerhealth.io", "workerhealths"))
        .containsExactlyInAnyOrder("create", "get", "patch");
    assertThat(verbs(rules, "workerhealth.io", "workerhealths/status")).containsExactly("patch");
    assertThat(verbs(rules, "", "pods")).containsExactly("get");
    assertThat(rules).flatExtracting(PolicyRule::getVerbs).doesNotContain("*", "delete", "list", "watch");
  }

  @Test
  void everyKubernetesManifestReadsIntoFabric8Types() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(MANIFESTS)) {
      files = walk.filter(p -> p.toString().endsWith(".yaml")).filter(p -> !p.startsWith(MANIFESTS.resolve("policies")))
          .sorted().toList();
    }
    assertThat(files).extracting(p -> p.getFileName().toString())
        .containsExactly("app-classic-sidecar.yaml", "app-native-sidecar.yaml", "sidecar-rbac.yaml");
    for (Path file : files) {
      assertThat(documents(file)).as(file.toString()).isNotEmpty()
          .allSatisfy(resource -> assertThat(resource).isNotInstanceOf(GenericKubernetesResource.class));
    }
  }

  // ---- WorkerHealthPolicy examples -----------------------------------------------------------------------------

  private static final List<String> POLICIES = List.of("restart-failed-consumer.yaml", "scale-consumers.yaml",
      "report-only.yaml", "dry-run.yaml", "escalate-consumers.yaml", "recover-after-outage.yaml");
  /** The generated CRD: the one source of the policy's fields (checked in full, CEL included, by the operator's
   *  ExamplePoliciesTest). */
  private static final Path POLICY_CRD = Path.of("../crds/generated/workerhealthpolicies.workerhealth.io-v1.yml");

  @Test
  void theSixPolicyExamplesExist() throws IOException {
    try (Stream<Path> files = Files.list(MANIFESTS.resolve("policies"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(POLICIES);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"restart-failed-consumer.yaml", "scale-consumers.yaml", "report-only.yaml", "dry-run.yaml",
      "escalate-consumers.yaml", "recover-after-outage.yaml"})
  void policyUsesOnlyFieldsAndValuesTheCrdDefines(String file) throws IOException {
    JsonNode policy = policy(file);
    assertThat(policy.path("apiVersion").asText()).isEqualTo("workerhealth.io/v1alpha1");
    assertThat(policy.path("kind").asText()).isEqualTo("WorkerHealthPolicy");
    assertThat(fieldNames(policy)).containsExactlyInAnyOrder("apiVersion", "kind", "metadata", "spec");
    JsonNode schema = YAML.readTree(POLICY_CRD.toFile()).at("/spec/versions/0/schema/openAPIV3Schema/properties/spec");
    List<String> problems = new ArrayList<>();
    conforms(policy.path("spec"), schema, "spec", problems);
    assertThat(problems).as(file).isEmpty();
  }

  /** Every field the example sets is one the schema defines, and every enum value one it allows. */
  private static void conforms(JsonNode value, JsonNode schema, String path, List<String> problems) {
    if (schema.has("enum")) {
      List<String> allowed = new ArrayList<>();
      schema.path("enum").forEach(e -> allowed.add(e.asText()));
      if (!allowed.contains(value.asText())) {
        problems.add(path + ": " + value.asText() + " is not one of " + allowed);
      }
    }
    if (value.isObject() && schema.has("properties")) {
      for (String field : fieldNames(value)) {
        if (!schema.path("properties").has(field)) {
          problems.add(path + "." + field + " is not a field of the CRD");
        } else {
          conforms(value.path(field), schema.path("properties").path(field), path + "." + field, problems);
        }
      }
    }
    if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        conforms(value.get(i), schema.path("items"), path + "[" + i + "]", problems);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"restart-failed-consumer.yaml", "scale-consumers.yaml", "report-only.yaml", "dry-run.yaml",
      "escalate-consumers.yaml", "recover-after-outage.yaml"})
  void policySelectsTheExamplePodsAndNamesWorkersTheAppRuns(String file) throws IOException {
    JsonNode spec = policy(file).path("spec");
    Map<String, String> podLabels =
        deployment("app-native-sidecar.yaml").getSpec().getTemplate().getMetadata().getLabels();

    spec.path("selector").path("matchLabels").fields()
        .forEachRemaining(label -> assertThat(podLabels).containsEntry(label.getKey(), label.getValue().asText()));
    for (JsonNode rule : spec.path("rules")) {
      for (JsonNode worker : rule.path("workers")) {
        PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + worker.asText());
        assertThat(WorkerSupervisor.SAMPLE_WORKERS).as("workers matching %s", worker.asText())
            .anyMatch(name -> glob.matches(Path.of(name)));
      }
    }
  }

  @Test
  void eachPolicyExampleShowsWhatItsNameSays() throws IOException {
    assertThat(policy("dry-run.yaml").at("/spec/dryRun").asBoolean()).isTrue();
    assertThat(policy("restart-failed-consumer.yaml").at("/spec/dryRun").asBoolean()).isFalse();
    assertThat(policy("restart-failed-consumer.yaml").at("/spec/rules/0/action").asText()).isEqualTo("RestartPod");
    assertThat(policy("scale-consumers.yaml").at("/spec/rules/0/action").asText()).isEqualTo("ScaleTarget");
    assertThat(policy("scale-consumers.yaml").at("/spec/rules/0/scale/targetRef/name").asText())
        .isEqualTo(deployment("app-native-sidecar.yaml").getMetadata().getName());
    assertThat(policy("report-only.yaml").path("spec").path("rules"))
        .allSatisfy(rule -> assertThat(rule.path("action").asText()).isEqualTo("None"));
    JsonNode escalation = policy("escalate-consumers.yaml").at("/spec/rules/0/escalation");
    assertThat(escalation).extracting(step -> step.path("action").asText())
        .containsExactly("RestartPod", "ScaleTarget", "None");
    assertThat(policy("escalate-consumers.yaml").at("/spec/rules/0/verification/maxNotRecovered").asInt()).isPositive();
    JsonNode recovery = policy("recover-after-outage.yaml").path("spec");
    assertThat(recovery.at("/recovery/mode").asText()).isEqualTo("Canary");
    assertThat(recovery.at("/rules/0/verification/window").asText()).isNotBlank();
  }

  // ---- the app image -------------------------------------------------------------------------------------------

  @Test
  void appImageRunsTheShadedJarAsThePodsNonRootUser() throws IOException {
    List<String> dockerfile = Files.readAllLines(Path.of("Dockerfile.app")).stream()
        .map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    String jar = System.getProperty("example.app.jar");
    long podUser = deployment("app-native-sidecar.yaml").getSpec().getTemplate().getSpec().getSecurityContext()
        .getRunAsUser();

    assertThat(jar).as("set by the build").isEqualTo("target/worker-health-example-app.jar");
    assertThat(dockerfile).anySatisfy(line -> assertThat(line).startsWith("COPY " + jar + " "));
    assertThat(dockerfile).anySatisfy(line -> assertThat(line).isEqualTo("USER " + podUser + ":" + podUser));
    assertThat(dockerfile).anySatisfy(line -> assertThat(line).startsWith("FROM eclipse-temurin:17-jre"));
    assertThat(dockerfile).anySatisfy(line -> assertThat(line).startsWith("ENTRYPOINT [\"java\", \"-jar\""));
  }

  // ---- reading ---------------------------------------------------------------------------------------------------

  private static Deployment deployment(String file) throws IOException {
    try (InputStream in = Files.newInputStream(MANIFESTS.resolve(file))) {
      return SERIALIZATION.unmarshal(in, Deployment.class);
    }
  }

  private static <T extends HasMetadata> List<T> rbac(Class<T> kind) throws IOException {
    List<T> found = new ArrayList<>();
    for (HasMetadata resource : documents(MANIFESTS.resolve("sidecar-rbac.yaml"))) {
      if (kind.isInstance(resource)) {
        found.add(kind.cast(resource));
      }
    }
    assertThat(found).as(kind.getSimpleName() + " in sidecar-rbac.yaml").hasSize(1);
    return found;
  }

  /** Every document of a (possibly multi-document) file. */
  private static List<HasMetadata> documents(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      Object read = SERIALIZATION.unmarshal(in);
      List<HasMetadata> resources = new ArrayList<>();
      if (read instanceof List<?> list) {
        list.forEach(item -> resources.add((HasMetadata) item));
      } else {
        resources.add((HasMetadata) read);
      }
      return resources;
    }
  }

  private static JsonNode policy(String file) throws IOException {
    return YAML.readTree(MANIFESTS.resolve("policies").resolve(file).toFile());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  private static List<Container> allContainers(PodSpec pod) {
    List<Container> all = new ArrayList<>(Optional.ofNullable(pod.getInitContainers()).orElse(List.of()));
    all.addAll(pod.getContainers());
    return all;
  }

  private static Container sidecar(PodSpec pod) {
    return allContainers(pod).stream().filter(c -> SIDECAR_IMAGE.equals(c.getImage())).findFirst()
        .orElseThrow(() -> new AssertionError("no sidecar container"));
  }

  private static Container app(PodSpec pod) {
    return pod.getContainers().stream().filter(c -> APP_IMAGE.equals(c.getImage())).findFirst()
        .orElseThrow(() -> new AssertionError("no app container"));
  }

  private static EnvVar envVar(Container container, String name) {
    return container.getEnv().stream().filter(e -> name.equals(e.getName())).findFirst()
        .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
  }

  private static String env(Container container, String name) {
    String value = envVar(container, name).getValue();
    assertThat(value).as(name).isNotNull();
    return value;
  }

  private static String fieldRef(Container container, String name) {
    return envVar(container, name).getValueFrom().getFieldRef().getFieldPath();
  }

  private static int resolvePort(Container container, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName()))
        .map(ContainerPort::getContainerPort).findFirst()
        .orElseThrow(() -> new AssertionError("no port named " + port.getStrVal()));
  }

  private static List<String> verbs(List<PolicyRule> rules, String group, String resource) {
    return rules.stream()
        .filter(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource))
        .flatMap(r -> r.getVerbs().stream()).toList();
  }
}
