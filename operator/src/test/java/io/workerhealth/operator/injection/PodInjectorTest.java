package io.workerhealth.operator.injection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON Patch the webhook answers, applied to real pod specs as the API server applies it. */
class PodInjectorTest {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  static final SidecarTemplate TEMPLATE = new SidecarTemplate("ghcr.io/workerhealth/sidecar:0.1.0", "");
  static final Map<String, String> DEFAULTS = Map.of("interval", "5s", "timeout", "2s", "cpu-request", "10m",
      "memory-request", "96Mi", "memory-limit", "128Mi");

  static PodInjector injector(SidecarMode serverMode) {
    return new PodInjector(TEMPLATE, DEFAULTS, () -> serverMode);
  }

  @Test
  void nativeSidecarIsAppendedAsAnInitContainerThatKeepsRunning() throws IOException {
    Pod before = pod("app-pod.yaml");
    Pod after = inject(before, SidecarMode.NATIVE);

    assertThat(after.getSpec().getInitContainers()).singleElement().satisfies(sidecar -> {
      assertThat(sidecar.getName()).isEqualTo("worker-health-sidecar");
      assertThat(sidecar.getRestartPolicy()).isEqualTo("Always");
      assertThat(sidecar.getImage()).isEqualTo("ghcr.io/workerhealth/sidecar:0.1.0");
      assertThat(env(sidecar)).containsEntry("WH_TARGET_URL", "http://127.0.0.1:8080/healthz")
          .containsEntry("WH_FORMAT", "outpost").containsEntry("WH_INTERVAL", "5s").containsEntry("WH_TIMEOUT", "2s")
          .containsEntry("WH_METRICS_PORT", "9090").containsEntry("WH_LABELS_FILE", "/etc/podinfo/labels");
      assertThat(sidecar.getEnv()).filteredOn(e -> e.getValueFrom() != null)
          .extracting(e -> e.getName() + "=" + e.getValueFrom().getFieldRef().getFieldPath())
          .containsExactly("POD_NAME=metadata.name", "POD_NAMESPACE=metadata.namespace", "POD_UID=metadata.uid");
      assertThat(sidecar.getResources().getRequests()).containsEntry("cpu", new Quantity("10m"))
          .containsEntry("memory", new Quantity("96Mi"));
      assertThat(sidecar.getResources().getLimits()).containsOnlyKeys("memory");
      assertThat(sidecar.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(sidecar.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(sidecar.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(sidecar.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    });
    assertThat(after.getSpec().getContainers()).isEqualTo(before.getSpec().getContainers());
    // the pod's own volume stays first and untouched; the sidecar's come after it
    assertThat(after.getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly("app-tmp", "workerhealth-podinfo", "workerhealth-tmp");
    assertThat(after.getSpec().getVolumes().get(0)).isEqualTo(before.getSpec().getVolumes().get(0));
    assertThat(after.getMetadata().getLabels()).containsEntry("workerhealth.io/sidecar", "true")
        .containsAllEntriesOf(before.getMetadata().getLabels());
  }

  @Test
  void classicSidecarIsAppendedAfterTheAppsContainers() throws IOException {
    Pod before = pod("app-pod.yaml");
    Pod after = inject(before, SidecarMode.CLASSIC);

    assertThat(after.getSpec().getInitContainers()).isNullOrEmpty();
    assertThat(after.getSpec().getContainers()).extracting(Container::getName)
        .containsExactly("app", "worker-health-sidecar");
    assertThat(after.getSpec().getContainers().get(0)).isEqualTo(before.getSpec().getContainers().get(0));
    assertThat(after.getSpec().getContainers().get(1).getRestartPolicy()).isNull();
  }

  @Test
  void existingInitContainersRunFirstAndThePodsOwnEnvIsLeftAlone() throws IOException {
    Pod before = pod("pod-with-init-containers.yaml");
    Pod after = inject(before, SidecarMode.NATIVE);

    assertThat(after.getSpec().getInitContainers()).extracting(Container::getName)
        .containsExactly("migrate", "proxy", "worker-health-sidecar");
    assertThat(after.getSpec().getInitContainers().subList(0, 2)).isEqualTo(before.getSpec().getInitContainers());
    // the app's own WH_TARGET_URL is the app's business; the sidecar's comes from the annotations
    assertThat(after.getSpec().getContainers()).isEqualTo(before.getSpec().getContainers());
    Container sidecar = after.getSpec().getInitContainers().get(2);
    assertThat(env(sidecar)).containsEntry("WH_TARGET_URL", "http://127.0.0.1:9000/health/workers")
        .containsEntry("WH_INTERVAL", "10s").doesNotContainKey("WH_FORMAT");
    // a pod without volumes gets the list created
    assertThat(after.getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly("workerhealth-podinfo", "workerhealth-tmp");
  }

  @Test
  void aPodServedByTheApiServerWithoutNativeSidecarsGetsTheClassicOne() throws IOException {
    Pod after = inject(pod("pod-with-init-containers.yaml"), SidecarMode.CLASSIC);

    assertThat(after.getSpec().getInitContainers()).extracting(Container::getName).containsExactly("migrate", "proxy");
    assertThat(after.getSpec().getContainers()).extracting(Container::getName)
        .containsExactly("billing", "worker-health-sidecar");
  }

  @Test
  void aPodCanChooseItsModeAndTheChoiceBeatsTheServers() throws IOException {
    Pod pod = new PodBuilder(pod("app-pod.yaml")).editMetadata()
        .addToAnnotations("workerhealth.io/sidecar-mode", "classic").endMetadata().build();

    assertThat(inject(pod, SidecarMode.NATIVE).getSpec().getContainers()).extracting(Container::getName)
        .containsExactly("app", "worker-health-sidecar");
  }

  @Test
  void aPodThatAlreadyHasTheSidecarIsLeftAlone() throws IOException {
    InjectionDecision decision = injector(SidecarMode.NATIVE).decide(pod("pod-with-sidecar.yaml"));

    assertThat(decision).isInstanceOfSatisfying(InjectionDecision.Skip.class,
        s -> assertThat(s.reason()).contains("already has a container named worker-health-sidecar"));
  }

  @Test
  void injectingTheInjectedPodAgainChangesNothing() throws IOException {
    Pod once = inject(pod("app-pod.yaml"), SidecarMode.NATIVE);

    assertThat(injector(SidecarMode.NATIVE).decide(once)).isInstanceOf(InjectionDecision.Skip.class);
  }

  @Test
  void aPodNotLabelledIsLeftAlone() throws IOException {
    Pod pod = new PodBuilder(pod("app-pod.yaml")).editMetadata()
        .addToLabels("workerhealth.io/inject", "false").endMetadata().build();

    assertThat(injector(SidecarMode.NATIVE).decide(pod)).isInstanceOf(InjectionDecision.Skip.class);
  }

  @Test
  void badAnnotationsAreRejectedNamingEachAnnotation() throws IOException {
    Pod pod = new PodBuilder(pod("app-pod.yaml")).editMetadata()
        .addToAnnotations("workerhealth.io/interval", "5 seconds")
        .addToAnnotations("workerhealth.io/format", "xml")
        .addToAnnotations("workerhealth.io/intervall", "5s")
        .addToAnnotations("workerhealth.io/memory-limit", "lots").endMetadata().build();

    assertThat(injector(SidecarMode.NATIVE).decide(pod)).isInstanceOfSatisfying(InjectionDecision.Reject.class,
        r -> assertThat(r.message())
            .contains("workerhealth.io/interval=\"5 seconds\": not a duration (use e.g. 500ms, 5s, 2m, 1h or PT5S)")
            .contains("workerhealth.io/format=\"xml\": unknown format 'xml'")
            .contains("unknown annotation workerhealth.io/intervall")
            .contains("workerhealth.io/memory-limit=\"lots\": not a Kubernetes quantity"));
  }

  @Test
  void settingsThatContradictEachOtherAreRejected() throws IOException {
    assertThat(reject(Map.of("workerhealth.io/url", "http://127.0.0.1:8080/healthz", "workerhealth.io/port", "80")))
        .contains("set workerhealth.io/url or workerhealth.io/port, not both");
    // the rules between settings are the sidecar's, in the names of the annotations
    assertThat(reject(Map.of("workerhealth.io/timeout", "10s")))
        .isEqualTo("workerhealth.io/timeout (10s) must not exceed injection default interval (5s)");
    assertThat(reject(Map.of("workerhealth.io/timeout", "PT1M", "workerhealth.io/interval", "30s")))
        .isEqualTo("workerhealth.io/timeout (1m) must not exceed workerhealth.io/interval (30s)");
    assertThat(reject(Map.of("workerhealth.io/format", "custom")))
        .isEqualTo("workerhealth.io/format=custom needs workerhealth.io/custom-workers and workerhealth.io/custom-status");
    assertThat(reject(Map.of("workerhealth.io/format", "custom", "workerhealth.io/custom-workers", "/workers")))
        .isEqualTo("workerhealth.io/custom-status is required with workerhealth.io/custom-workers");
    assertThat(reject(Map.of("workerhealth.io/memory-request", "200Mi")))
        .contains("workerhealth.io/memory-request (200Mi) must not exceed injection default memory-limit (128Mi)");
  }

  @Test
  void aLogLevelIsTakenInAnyCaseAndAnUnknownOneRefused() throws IOException {
    Pod pod = new PodBuilder(pod("app-pod.yaml")).editMetadata().addToAnnotations("workerhealth.io/log-level", "debug")
        .endMetadata().build();
    assertThat(env(inject(pod, SidecarMode.NATIVE).getSpec().getInitContainers().get(0)))
        .containsEntry("WH_LOG_LEVEL", "DEBUG");
    assertThat(reject(Map.of("workerhealth.io/log-level", "verbose")))
        .contains("workerhealth.io/log-level=\"verbose\": must be one of TRACE, DEBUG, INFO, WARN, ERROR");
  }

  @Test
  void theSidecarsMetricsPortMustBeFree() throws IOException {
    Pod pod = new PodBuilder(pod("app-pod.yaml")).editSpec().editContainer(0).addNewPort().withName("metrics")
        .withContainerPort(9090).endPort().endContainer().endSpec().build();

    assertThat(injector(SidecarMode.NATIVE).decide(pod)).isInstanceOfSatisfying(InjectionDecision.Reject.class,
        r -> assertThat(r.message()).contains("port 9090 is the sidecar's metrics port and container app declares it")
            .contains("workerhealth.io/metrics-port"));
    Pod moved = new PodBuilder(pod).editMetadata().addToAnnotations("workerhealth.io/metrics-port", "9191")
        .endMetadata().build();
    Container sidecar = inject(moved, SidecarMode.NATIVE).getSpec().getInitContainers().get(0);
    assertThat(sidecar.getPorts().get(0).getContainerPort()).isEqualTo(9191);
    assertThat(env(sidecar)).containsEntry("WH_METRICS_PORT", "9191");
  }

  @Test
  void aJobsPodGetsOnlyASidecarThatLetsItComplete() throws IOException {
    Pod job = pod("job-pod.yaml");

    assertThat(injector(SidecarMode.CLASSIC).decide(job)).isInstanceOfSatisfying(InjectionDecision.Reject.class,
        r -> assertThat(r.message()).contains("would never complete"));
    assertThat(inject(job, SidecarMode.NATIVE).getSpec().getInitContainers()).hasSize(1);
  }

  @Test
  void aVolumeOfTheSameNameIsReusedWhenItIsTheSameAndRefusedWhenItIsNot() throws IOException {
    Pod same = new PodBuilder(pod("app-pod.yaml")).editSpec().addToVolumes(TEMPLATE.volumes().get(0)).endSpec()
        .build();
    assertThat(inject(same, SidecarMode.NATIVE).getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly("app-tmp", "workerhealth-podinfo", "workerhealth-tmp");

    Pod other = new PodBuilder(pod("app-pod.yaml")).editSpec().addNewVolume().withName("workerhealth-tmp")
        .withNewEmptyDir().endEmptyDir().endVolume().endSpec().build();
    assertThat(injector(SidecarMode.NATIVE).decide(other)).isInstanceOfSatisfying(InjectionDecision.Reject.class,
        r -> assertThat(r.message()).contains("already has a volume named workerhealth-tmp"));
  }

  @Test
  void theIntervalAndHeartbeatHaveTheSidecarsBoundsWhichAreTheWorkerHealthSpecs() throws IOException {
    assertThat(reject(Map.of("workerhealth.io/interval", "2h"))).isEqualTo("workerhealth.io/interval=\"2h\": must be "
        + "at most 1h (the WorkerHealth's spec.intervalSeconds allows " + WorkerHealthSpec.MAX_INTERVAL_SECONDS
        + " at most)");
    assertThat(reject(Map.of("workerhealth.io/heartbeat", "25h"))).contains("workerhealth.io/heartbeat=\"25h\": must "
        + "be at most 24h (the WorkerHealth's spec.heartbeatSeconds allows " + WorkerHealthSpec.MAX_HEARTBEAT_SECONDS);
    Pod atTheBounds = annotated(Map.of("workerhealth.io/interval", WorkerHealthSpec.MAX_INTERVAL_SECONDS + "s",
        "workerhealth.io/heartbeat", "24h"));
    assertThat(env(inject(atTheBounds, SidecarMode.NATIVE).getSpec().getInitContainers().get(0)))
        .containsEntry("WH_INTERVAL", "3600s").containsEntry("WH_HEARTBEAT", "24h");
    // a wrong chart default stops the operator at start with the same rule
    assertThatThrownBy(() -> new PodInjector(TEMPLATE, Map.of("interval", "90m"), () -> SidecarMode.NATIVE))
        .hasMessageContaining("injection default interval=\"90m\": must be at most 1h");
  }

  @Test
  void workerFiltersHeadersAndRedirectsArePlainAnnotations() throws IOException {
    Pod pod = annotated(Map.of("workerhealth.io/include-workers", "kafka/*, *-consumer",
        "workerhealth.io/exclude-workers", "", "workerhealth.io/headers", "X-Tenant: blue\nX-Env: prod\n",
        "workerhealth.io/redirects", "None"));
    Container sidecar = inject(pod, SidecarMode.NATIVE).getSpec().getInitContainers().get(0);

    assertThat(env(sidecar)).containsEntry("WH_INCLUDE_WORKERS", "kafka/*,*-consumer")
        // set and empty: exclude nothing, not even the format's defaults
        .containsEntry("WH_EXCLUDE_WORKERS", "").containsEntry("WH_HEADERS", "X-Tenant: blue\nX-Env: prod")
        .containsEntry("WH_REDIRECTS", "none");
    assertThat(env(inject(pod("app-pod.yaml"), SidecarMode.NATIVE).getSpec().getInitContainers().get(0)))
        .doesNotContainKeys("WH_INCLUDE_WORKERS", "WH_EXCLUDE_WORKERS", "WH_HEADERS", "WH_REDIRECTS");
    assertThat(reject(Map.of("workerhealth.io/redirects", "sometimes")))
        .isEqualTo("workerhealth.io/redirects=\"sometimes\": not one of none, same-host, any");
    assertThat(reject(Map.of("workerhealth.io/include-workers", " , ")))
        .contains("workerhealth.io/include-workers=\" , \": names no worker glob");
  }

  @Test
  void aBasicAuthSecretIsMountedReadOnlyAndOnlyItsPathIsInTheEnv() throws IOException {
    Pod before = annotated(Map.of("workerhealth.io/url", "https://127.0.0.1:8443/actuator/health",
        "workerhealth.io/basic-auth-secret", "health-auth"));
    Pod after = inject(before, SidecarMode.NATIVE);
    Container sidecar = after.getSpec().getInitContainers().get(0);

    assertThat(env(sidecar)).containsEntry("WH_BASIC_AUTH_PASSWORD_FILE", "/etc/workerhealth/basic-auth/password")
        .doesNotContainKey("WH_BASIC_AUTH_USERNAME");
    // the user name of a kubernetes.io/basic-auth Secret: the kubelet reads it, the pod spec holds the reference
    assertThat(sidecar.getEnv()).filteredOn(e -> e.getName().equals("WH_BASIC_AUTH_USERNAME")).singleElement()
        .satisfies(e -> {
          assertThat(e.getValue()).isNull();
          assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("health-auth");
          assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("username");
        });
    assertThat(sidecar.getVolumeMounts()).filteredOn(m -> m.getName().equals("workerhealth-basic-auth"))
        .singleElement().satisfies(m -> {
          assertThat(m.getMountPath()).isEqualTo("/etc/workerhealth/basic-auth");
          assertThat(m.getReadOnly()).isTrue();
        });
    assertThat(after.getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly("app-tmp", "workerhealth-podinfo", "workerhealth-tmp", "workerhealth-basic-auth");
    // only the password's key, under the file name the variable points at
    assertThat(after.getSpec().getVolumes().get(3).getSecret()).satisfies(secret -> {
      assertThat(secret.getSecretName()).isEqualTo("health-auth");
      assertThat(secret.getItems()).extracting(KeyToPath::getKey, KeyToPath::getPath)
          .containsExactly(tuple("password", "password"));
    });
    // the app's containers do not see it
    assertThat(after.getSpec().getContainers()).isEqualTo(before.getSpec().getContainers());
  }

  @Test
  void aSecretsOwnKeyAndAUserNameGivenByTheAnnotation() throws IOException {
    Pod after = inject(annotated(Map.of("workerhealth.io/basic-auth-secret", "app-secrets/health-password",
        "workerhealth.io/basic-auth-username", "health-reader")), SidecarMode.CLASSIC);
    Container sidecar = after.getSpec().getContainers().get(1);

    assertThat(env(sidecar)).containsEntry("WH_BASIC_AUTH_USERNAME", "health-reader")
        .containsEntry("WH_BASIC_AUTH_PASSWORD_FILE", "/etc/workerhealth/basic-auth/password");
    assertThat(sidecar.getEnv()).noneMatch(e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null);
    assertThat(volume(after, "workerhealth-basic-auth").getSecret().getItems())
        .extracting(KeyToPath::getKey, KeyToPath::getPath).containsExactly(tuple("health-password", "password"));
  }

  @Test
  void aBearerTokenAndACaFromAConfigMapOrASecret() throws IOException {
    Pod after = inject(annotated(Map.of("workerhealth.io/url", "https://app.internal:8443/health",
        "workerhealth.io/bearer-token-secret", "health-token", "workerhealth.io/ca-configmap", "kube-root-ca.crt")),
        SidecarMode.NATIVE);
    Container sidecar = after.getSpec().getInitContainers().get(0);

    assertThat(env(sidecar)).containsEntry("WH_BEARER_TOKEN_FILE", "/etc/workerhealth/bearer-token/token")
        .containsEntry("WH_CA_FILE", "/etc/workerhealth/ca/ca.crt");
    assertThat(volume(after, "workerhealth-bearer-token").getSecret().getItems())
        .extracting(KeyToPath::getKey).containsExactly("token");
    assertThat(volume(after, "workerhealth-ca").getConfigMap()).satisfies(cm -> {
      assertThat(cm.getName()).isEqualTo("kube-root-ca.crt");
      assertThat(cm.getItems()).extracting(KeyToPath::getKey, KeyToPath::getPath)
          .containsExactly(tuple("ca.crt", "ca.crt"));
    });
    assertThat(sidecar.getVolumeMounts()).filteredOn(m -> m.getName().startsWith("workerhealth-b")
        || m.getName().equals("workerhealth-ca")).hasSize(2).allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());

    Pod fromSecret = inject(annotated(Map.of("workerhealth.io/url", "https://app.internal:8443/health",
        "workerhealth.io/ca-secret", "app-tls/tls-ca.pem")), SidecarMode.NATIVE);
    assertThat(volume(fromSecret, "workerhealth-ca").getSecret()).satisfies(secret -> {
      assertThat(secret.getSecretName()).isEqualTo("app-tls");
      assertThat(secret.getItems()).extracting(KeyToPath::getKey, KeyToPath::getPath)
          .containsExactly(tuple("tls-ca.pem", "ca.crt"));
    });
    assertThat(volume(fromSecret, "workerhealth-ca").getConfigMap()).isNull();
  }

  @Test
  void aPodWithoutVolumesGetsTheListWithTheSecretsVolume() throws IOException {
    Pod pod = new PodBuilder(pod("pod-with-init-containers.yaml")).editMetadata()
        .addToAnnotations("workerhealth.io/bearer-token-secret", "health-token").endMetadata().build();

    assertThat(inject(pod, SidecarMode.NATIVE).getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly("workerhealth-podinfo", "workerhealth-tmp", "workerhealth-bearer-token");
  }

  @Test
  void aSecretVolumeOfTheSameNameIsUsedWhenItIsTheSameAndRefusedWhenItIsNot() throws IOException {
    Map<String, String> annotations = Map.of("workerhealth.io/bearer-token-secret", "health-token");
    // as the API server hands the pod to the webhook: its defaults filled in
    Volume same = new VolumeBuilder().withName("workerhealth-bearer-token").withNewSecret()
        .withSecretName("health-token").addNewItem().withKey("token").withPath("token").endItem().withDefaultMode(0644)
        .endSecret().build();
    Pod withSame = new PodBuilder(annotated(annotations)).editSpec().addToVolumes(same).endSpec().build();
    Pod after = inject(withSame, SidecarMode.NATIVE);
    assertThat(after.getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly("app-tmp", "workerhealth-bearer-token", "workerhealth-podinfo", "workerhealth-tmp");
    assertThat(volume(after, "workerhealth-bearer-token")).isEqualTo(same);

    for (Volume other : List.of(
        new VolumeBuilder(same).editSecret().withSecretName("other-token").endSecret().build(),
        new VolumeBuilder(same).editSecret().withItems(new KeyToPath("api-token", null, "token")).endSecret().build(),
        new VolumeBuilder().withName("workerhealth-bearer-token").withNewEmptyDir().endEmptyDir().build())) {
      Pod pod = new PodBuilder(annotated(annotations)).editSpec().addToVolumes(other).endSpec().build();
      assertThat(injector(SidecarMode.NATIVE).decide(pod)).as("%s", other)
          .isInstanceOfSatisfying(InjectionDecision.Reject.class, r -> assertThat(r.message())
              .isEqualTo("the pod already has a volume named workerhealth-bearer-token, which the sidecar needs"
                  + " (with other contents)"));
    }
    // a pod's volume of that name is no business of a pod that does not ask for the Secret
    Pod unrelated = new PodBuilder(pod("app-pod.yaml")).editSpec().addToVolumes(new VolumeBuilder(same)
        .editSecret().withSecretName("other-token").endSecret().build()).endSpec().build();
    assertThat(injector(SidecarMode.NATIVE).decide(unrelated)).isInstanceOf(InjectionDecision.Inject.class);
  }

  @Test
  void theTemplatesVolumeAsTheApiServerDefaultedItIsTheSame() throws IOException {
    Volume defaulted = new VolumeBuilder(TEMPLATE.volumes().get(0)).editDownwardAPI().withDefaultMode(0644)
        .editFirstItem().editFieldRef().withApiVersion("v1").endFieldRef().endItem().endDownwardAPI().build();
    Pod pod = new PodBuilder(pod("app-pod.yaml")).editSpec().addToVolumes(defaulted).endSpec().build();

    assertThat(inject(pod, SidecarMode.NATIVE).getSpec().getVolumes()).extracting(Volume::getName)
        .containsExactly("app-tmp", "workerhealth-podinfo", "workerhealth-tmp");
  }

  @Test
  void theChartsDefaultCredentialsAndCaGiveWayToThePodsOwnChoice() throws IOException {
    Map<String, String> defaults = new java.util.HashMap<>(DEFAULTS);
    defaults.putAll(Map.of("bearer-token-secret", "cluster-health-token", "ca-configmap", "kube-root-ca.crt",
        "url", "https://127.0.0.1:8443/healthz"));
    PodInjector injector = new PodInjector(TEMPLATE, defaults, () -> SidecarMode.NATIVE);

    Pod byDefault = apply(pod("app-pod.yaml"), injector);
    assertThat(env(byDefault.getSpec().getInitContainers().get(0))).containsKeys("WH_BEARER_TOKEN_FILE", "WH_CA_FILE")
        .containsEntry("WH_TARGET_URL", "https://127.0.0.1:8443/healthz");

    Pod own = apply(annotated(Map.of("workerhealth.io/basic-auth-secret", "health-auth",
        "workerhealth.io/ca-secret", "app-tls", "workerhealth.io/url", "https://127.0.0.1:9443/h")), injector);
    Container sidecar = own.getSpec().getInitContainers().get(0);
    assertThat(env(sidecar)).doesNotContainKey("WH_BEARER_TOKEN_FILE")
        .containsEntry("WH_BASIC_AUTH_PASSWORD_FILE", "/etc/workerhealth/basic-auth/password")
        .containsEntry("WH_TARGET_URL", "https://127.0.0.1:9443/h");
    assertThat(volume(own, "workerhealth-ca").getSecret().getSecretName()).isEqualTo("app-tls");
    assertThat(volume(own, "workerhealth-ca").getConfigMap()).isNull();
    assertThat(own.getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("workerhealth-bearer-token");
    // a pod's port and path replace the default URL, but then the default CA has no https URL: the sidecar's rule,
    // naming each setting where it comes from
    assertThat(((InjectionDecision.Reject) injector.decide(annotated(Map.of("workerhealth.io/port", "8080"))))
        .message()).isEqualTo("injection default ca-configmap needs an https workerhealth.io/url");
  }

  @Test
  void credentialsAndCasThatContradictEachOtherAreRefusedInTheAnnotationsNames() throws IOException {
    assertThat(reject(Map.of("workerhealth.io/basic-auth-secret", "health-auth",
        "workerhealth.io/bearer-token-secret", "health-token")))
        .isEqualTo("credentials are given more than once (workerhealth.io/basic-auth-secret, "
            + "workerhealth.io/bearer-token-secret): use one");
    assertThat(reject(Map.of("workerhealth.io/basic-auth-username", "health-reader")))
        .isEqualTo("workerhealth.io/basic-auth-username needs workerhealth.io/basic-auth-secret (a file holding the "
            + "password, e.g. from a Secret)");
    assertThat(reject(Map.of("workerhealth.io/basic-auth-secret", "health-auth",
        "workerhealth.io/basic-auth-username", "health:reader")))
        .isEqualTo("workerhealth.io/basic-auth-username: a basic-auth user name cannot contain ':'");
    assertThat(reject(Map.of("workerhealth.io/url", "https://127.0.0.1:8443/h", "workerhealth.io/ca-secret", "tls",
        "workerhealth.io/ca-configmap", "kube-root-ca.crt")))
        .isEqualTo("set workerhealth.io/ca-secret or workerhealth.io/ca-configmap, not both");
    assertThat(reject(Map.of("workerhealth.io/ca-configmap", "kube-root-ca.crt")))
        .isEqualTo("workerhealth.io/ca-configmap needs an https workerhealth.io/url");
  }

  @Test
  void badSecretReferencesAreRefusedByTheApiServersRulesForNamesAndKeys() throws IOException {
    assertThat(reject(Map.of("workerhealth.io/bearer-token-secret", "Health_Token")))
        .startsWith("workerhealth.io/bearer-token-secret=\"Health_Token\": not a Secret or ConfigMap name");
    assertThat(reject(Map.of("workerhealth.io/basic-auth-secret", "health-auth/a/b")))
        .startsWith("workerhealth.io/basic-auth-secret=\"health-auth/a/b\": 'a/b' is not a key");
    assertThat(reject(Map.of("workerhealth.io/basic-auth-secret", "health-auth/..data")))
        .contains("'..data' is not a key");
    assertThat(reject(Map.of("workerhealth.io/ca-configmap", "/ca.crt", "workerhealth.io/url", "https://a/h")))
        .contains("'' is not a Secret or ConfigMap name");
    // a problem is told once: the reference's, not again as the sidecar's CA rule
    assertThat(reject(Map.of("workerhealth.io/ca-secret", "Bad"))).doesNotContain("needs an https");
  }

  @Test
  void secretsAreNotAnnotationValuesAndAreNeverRepeated() throws IOException {
    String inUrl = reject(Map.of("workerhealth.io/url", "https://reader:hunter2@127.0.0.1:8443/h"));
    assertThat(inUrl).startsWith("workerhealth.io/url=\"https://***@127.0.0.1:8443/h\": credentials in an "
        + "annotation are readable by whoever can read the pod").contains("workerhealth.io/basic-auth-secret")
        .doesNotContain("hunter2").doesNotContain("reader");
    String inHeader = reject(Map.of("workerhealth.io/headers", "X-Tenant: blue\nAuthorization: Bearer s3cr3t"));
    assertThat(inHeader).startsWith("workerhealth.io/headers: an Authorization header in an annotation is readable")
        .contains("workerhealth.io/bearer-token-secret").doesNotContain("s3cr3t");
    String badHeader = reject(Map.of("workerhealth.io/headers", "X-Key: s3cr3t\u0001\nnot a header s3cr3t"));
    assertThat(badHeader).contains("workerhealth.io/headers: line 1: the value of X-Key has a character a header "
        + "cannot carry").contains("line 2: not 'Name: value'").doesNotContain("s3cr3t");
  }

  @Test
  void theChartsJvmFlagsReachTheSidecarOnlyWhenSet() throws IOException {
    PodInjector withFlags = new PodInjector(new SidecarTemplate("img", "-Xmx24m"), DEFAULTS, () -> SidecarMode.NATIVE);
    Pod after = apply(pod("app-pod.yaml"), withFlags);

    assertThat(env(after.getSpec().getInitContainers().get(0))).containsEntry("JAVA_TOOL_OPTIONS", "-Xmx24m");
    assertThat(env(inject(pod("app-pod.yaml"), SidecarMode.NATIVE).getSpec().getInitContainers().get(0)))
        .doesNotContainKey("JAVA_TOOL_OPTIONS");
  }

  // ---- helpers

  private static Pod annotated(Map<String, String> annotations) throws IOException {
    return new PodBuilder(pod("app-pod.yaml")).editMetadata().addToAnnotations(annotations).endMetadata().build();
  }

  private static Volume volume(Pod pod, String name) {
    return pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst().orElseThrow();
  }

  private static String reject(Map<String, String> annotations) throws IOException {
    Pod pod = new PodBuilder(pod("app-pod.yaml")).editMetadata().addToAnnotations(annotations).endMetadata().build();
    InjectionDecision decision = injector(SidecarMode.NATIVE).decide(pod);
    assertThat(decision).isInstanceOf(InjectionDecision.Reject.class);
    return ((InjectionDecision.Reject) decision).message();
  }

  static Pod inject(Pod pod, SidecarMode serverMode) {
    return apply(pod, injector(serverMode));
  }

  static Pod apply(Pod pod, PodInjector injector) {
    InjectionDecision decision = injector.decide(pod);
    assertThat(decision).isInstanceOf(InjectionDecision.Inject.class);
    JsonNode patched = JsonPatch.apply(((InjectionDecision.Inject) decision).patch(),
        SERIALIZATION.convertValue(pod, JsonNode.class));
    return SERIALIZATION.convertValue(patched, Pod.class);
  }

  static Map<String, String> env(Container c) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    for (EnvVar e : c.getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      }
    }
    return env;
  }

  static Pod pod(String name) throws IOException {
    try (InputStream in = PodInjectorTest.class.getResourceAsStream("/injection/" + name)) {
      return SERIALIZATION.unmarshal(in, Pod.class);
    }
  }

}
