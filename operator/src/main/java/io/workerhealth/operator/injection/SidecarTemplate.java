package io.workerhealth.operator.injection;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The sidecar container and the volumes it mounts: the one place they are defined. The injection webhook adds
 * them to pods; {@code examples/manifests} shows them, and the examples' tests compare the two.
 *
 * @param image    the sidecar image (the chart's {@code sidecar.image})
 * @param javaOpts JVM flags to set as {@code JAVA_TOOL_OPTIONS}; empty keeps the image's (the measured ones)
 */
public record SidecarTemplate(String image, String javaOpts) {

  public static final String CONTAINER_NAME = "worker-health-sidecar";
  public static final String LABELS_VOLUME = "workerhealth-podinfo";
  public static final String TMP_VOLUME = "workerhealth-tmp";
  public static final String LABELS_DIRECTORY = "/etc/podinfo";
  public static final String LABELS_FILE = LABELS_DIRECTORY + "/labels";
  /** The sidecar image's user (sidecar/Dockerfile). */
  public static final long USER = 10001;
  /** Where a basic-auth Secret's user name is, unless the pod gives it (the key of type kubernetes.io/basic-auth). */
  public static final String USERNAME_KEY = "username";

  /**
   * A Secret's or ConfigMap's key named by a setting, mounted read-only as one file of the sidecar (a volume of its
   * own, so nothing else of the Secret is in the container), and the variable that points the sidecar at the file.
   */
  public record FileMount(String setting, String variable, String volume, String directory, String file,
                          boolean configMap) {

    public String path() {
      return directory + "/" + file;
    }
  }

  /** The settings that name Secrets or ConfigMaps; the file name is also the key read when the setting names none. */
  public static final List<FileMount> FILE_MOUNTS = List.of(
      new FileMount("basic-auth-secret", "WH_BASIC_AUTH_PASSWORD_FILE", "workerhealth-basic-auth",
          "/etc/workerhealth/basic-auth", "password", false),
      new FileMount("bearer-token-secret", "WH_BEARER_TOKEN_FILE", "workerhealth-bearer-token",
          "/etc/workerhealth/bearer-token", "token", false),
      new FileMount("ca-secret", "WH_CA_FILE", "workerhealth-ca", "/etc/workerhealth/ca", "ca.crt", false),
      new FileMount("ca-configmap", "WH_CA_FILE", "workerhealth-ca", "/etc/workerhealth/ca", "ca.crt", true));

  public static Optional<FileMount> fileMount(String setting) {
    return FILE_MOUNTS.stream().filter(m -> m.setting().equals(setting)).findFirst();
  }

  public Container container(SidecarOptions options, SidecarMode mode) {
    List<EnvVar> env = new ArrayList<>();
    options.env().forEach((name, value) -> env.add(new EnvVar(name, value, null)));
    // a value the kubelet reads from the Secret when it starts the container: the pod spec holds only the reference
    options.envFromSecrets().forEach((name, ref) -> env.add(new EnvVarBuilder().withName(name).withNewValueFrom()
        .withNewSecretKeyRef().withName(ref.name()).withKey(ref.key()).endSecretKeyRef().endValueFrom().build()));
    // who the sidecar reports for: its WorkerHealth is named after the pod and owned by it
    env.add(fieldRef("POD_NAME", "metadata.name"));
    env.add(fieldRef("POD_NAMESPACE", "metadata.namespace"));
    env.add(fieldRef("POD_UID", "metadata.uid"));
    env.add(new EnvVar("WH_LABELS_FILE", LABELS_FILE, null));
    if (javaOpts != null && !javaOpts.isBlank()) {
      env.add(new EnvVar("JAVA_TOOL_OPTIONS", javaOpts.strip(), null));
    }
    ContainerBuilder c = new ContainerBuilder()
        .withName(CONTAINER_NAME)
        .withImage(image)
        .withEnv(env)
        .addNewPort().withName("metrics").withContainerPort(options.metricsPort()).withProtocol("TCP").endPort()
        // a JVM starting next to the app's on a busy node needs tens of seconds before it answers (measured on a
        // real node: 15-25 s on 2 cores); the probe must not kill it while it starts
        .withNewLivenessProbe()
        .withNewHttpGet().withPath("/healthz").withPort(new IntOrString("metrics")).endHttpGet()
        .withInitialDelaySeconds(60).withPeriodSeconds(20).withTimeoutSeconds(3).withFailureThreshold(3)
        .endLivenessProbe()
        .withNewResources().withRequests(nullIfEmpty(options.requests())).withLimits(nullIfEmpty(options.limits()))
        .endResources()
        .withNewSecurityContext()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withRunAsUser(USER)
        .withRunAsGroup(USER)
        .withNewCapabilities().withDrop("ALL").endCapabilities()
        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
        .endSecurityContext()
        .addNewVolumeMount().withName(LABELS_VOLUME).withMountPath(LABELS_DIRECTORY).withReadOnly(true).endVolumeMount()
        // the JVM writes small files under /tmp; the root filesystem is read-only
        .addNewVolumeMount().withName(TMP_VOLUME).withMountPath("/tmp").endVolumeMount();
    options.fileMounts().forEach((mount, ref) -> c.addNewVolumeMount().withName(mount.volume())
        .withMountPath(mount.directory()).withReadOnly(true).endVolumeMount());
    if (mode == SidecarMode.NATIVE) {
      c.withRestartPolicy("Always");
    }
    return c.build();
  }

  /** The volumes a pod with these settings needs: {@link #volumes()} and one per Secret or ConfigMap named. */
  public List<Volume> volumes(SidecarOptions options) {
    List<Volume> volumes = new ArrayList<>(volumes());
    options.fileMounts().forEach((mount, ref) -> volumes.add(fileVolume(mount, ref)));
    return volumes;
  }

  /** Only the key named, under the file name the variable points at; optional: no, so a pod waits for it. */
  private static Volume fileVolume(FileMount mount, KeyReference ref) {
    KeyToPath item = new KeyToPath(ref.key(), null, mount.file());
    VolumeBuilder volume = new VolumeBuilder().withName(mount.volume());
    return mount.configMap()
        ? volume.withNewConfigMap().withName(ref.name()).withItems(item).endConfigMap().build()
        : volume.withNewSecret().withSecretName(ref.name()).withItems(item).endSecret().build();
  }

  /** The downward-API volume with the pod's labels (kept current by the kubelet) and the JVM's /tmp. */
  public List<Volume> volumes() {
    return List.of(
        new VolumeBuilder().withName(LABELS_VOLUME).withNewDownwardAPI()
            .addNewItem().withPath("labels").withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().endItem()
            .endDownwardAPI().build(),
        new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().withSizeLimit(new Quantity("16Mi")).endEmptyDir()
            .build());
  }

  private static EnvVar fieldRef(String name, String path) {
    return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(path).endFieldRef()
        .endValueFrom().build();
  }

  private static <K, V> java.util.Map<K, V> nullIfEmpty(java.util.Map<K, V> map) {
    return map.isEmpty() ? null : map;
  }
}
