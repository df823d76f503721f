package io.workerhealth.operator.injection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
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
        .contains("set workerhealth.io/url or workerhealth.io/port/workerhealth.io/path, not both");
    assertThat(reject(Map.of("workerhealth.io/timeout", "10s")))
        .contains("workerhealth.io/timeout (10s) must not exceed injection default interval (5s)");
    assertThat(reject(Map.of("workerhealth.io/format", "custom", "workerhealth.io/custom-workers", "/workers")))
        .contains("workerhealth.io/format=custom needs workerhealth.io/custom-workers and workerhealth.io/custom-status");
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
  void theChartsJvmFlagsReachTheSidecarOnlyWhenSet() throws IOException {
    PodInjector withFlags = new PodInjector(new SidecarTemplate("img", "-Xmx24m"), DEFAULTS, () -> SidecarMode.NATIVE);
    Pod after = apply(pod("app-pod.yaml"), withFlags);

    assertThat(env(after.getSpec().getInitContainers().get(0))).containsEntry("JAVA_TOOL_OPTIONS", "-Xmx24m");
    assertThat(env(inject(pod("app-pod.yaml"), SidecarMode.NATIVE).getSpec().getInitContainers().get(0)))
        .doesNotContainKey("JAVA_TOOL_OPTIONS");
  }

  // ---- helpers

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
