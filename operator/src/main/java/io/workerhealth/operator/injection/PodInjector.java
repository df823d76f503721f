package io.workerhealth.operator.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFileBuilder;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Decides, for a pod being created, whether and how to add the sidecar, and writes the JSON Patch that does it. It
 * only ever adds: the app's containers, init containers, volumes and env stay as they are. Pure.
 */
public final class PodInjector {

  public static final String INJECT_LABEL = "workerhealth.io/inject";
  /** Set on injected pods: the chart's PodMonitor selects sidecars by it. */
  public static final String SIDECAR_LABEL = "workerhealth.io/sidecar";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /** 0644: the API server's default mode of files from Secrets, ConfigMaps and the downward API. */
  private static final int DEFAULT_MODE = 0644;
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final SidecarTemplate template;
  private final Map<String, String> defaults;
  private final Supplier<SidecarMode> serverMode;

  /**
   * @param defaults   the chart's {@code injection.defaults}, keyed like the annotations
   * @param serverMode the mode for pods that do not choose: native where the API server supports it
   */
  public PodInjector(SidecarTemplate template, Map<String, String> defaults, Supplier<SidecarMode> serverMode) {
    this.template = template;
    this.defaults = Map.copyOf(defaults);
    this.serverMode = serverMode;
    SidecarOptions.defaults(this.defaults); // a wrong default fails here, at start-up
  }

  public InjectionDecision decide(Pod pod) {
    Map<String, String> labels = Optional.ofNullable(pod.getMetadata().getLabels()).orElse(Map.of());
    if (!"true".equals(labels.get(INJECT_LABEL))) {
      return new InjectionDecision.Skip("not labelled " + INJECT_LABEL + "=true");
    }
    PodSpec spec = pod.getSpec();
    if (containers(spec).anyMatch(c -> SidecarTemplate.CONTAINER_NAME.equals(c.getName()))) {
      return new InjectionDecision.Skip("already has a container named " + SidecarTemplate.CONTAINER_NAME);
    }
    SidecarOptions options;
    try {
      options = SidecarOptions.resolve(defaults,
          Optional.ofNullable(pod.getMetadata().getAnnotations()).orElse(Map.of()));
    } catch (InvalidSidecarSettingsException e) {
      return new InjectionDecision.Reject(e.getMessage());
    }
    SidecarMode mode = options.mode().orElseGet(serverMode);
    List<String> problems = new ArrayList<>();
    int metricsPort = options.metricsPort();
    containers(spec).forEach(c -> Optional.ofNullable(c.getPorts()).orElse(List.of()).stream()
        .map(ContainerPort::getContainerPort).filter(p -> Objects.equals(p, metricsPort)).findFirst()
        .ifPresent(p -> problems.add("port " + p + " is the sidecar's metrics port and container " + c.getName()
            + " declares it too; set " + SidecarSetting.ANNOTATION_PREFIX + "metrics-port to a free port")));
    boolean runsToCompletion = "Never".equals(spec.getRestartPolicy()) || "OnFailure".equals(spec.getRestartPolicy());
    if (mode == SidecarMode.CLASSIC && runsToCompletion) {
      problems.add("a classic sidecar never exits, so this pod (restartPolicy " + spec.getRestartPolicy()
          + ") would never complete; use " + SidecarSetting.ANNOTATION_PREFIX + "sidecar-mode=native");
    }
    List<Volume> existing = Optional.ofNullable(spec.getVolumes()).orElse(List.of());
    List<Volume> toAdd = new ArrayList<>();
    for (Volume volume : template.volumes(options)) {
      Optional<Volume> same = existing.stream().filter(v -> volume.getName().equals(v.getName())).findFirst();
      if (same.isEmpty()) {
        toAdd.add(volume);
      } else if (!withApiServerDefaults(same.get()).equals(withApiServerDefaults(volume))) {
        problems.add("the pod already has a volume named " + volume.getName() + ", which the sidecar needs"
            + " (with other contents)");
      }
    }
    if (!problems.isEmpty()) {
      return new InjectionDecision.Reject(String.join("; ", problems));
    }

    Container sidecar = template.container(options, mode);
    ArrayNode patch = JSON.arrayNode();
    if (mode == SidecarMode.NATIVE) {
      // after the pod's own init containers: those run to completion before the app, the sidecar runs beside it
      append(patch, "/spec/initContainers", spec.getInitContainers(), List.of(sidecar));
    } else {
      append(patch, "/spec/containers", spec.getContainers(), List.of(sidecar));
    }
    append(patch, "/spec/volumes", spec.getVolumes(), toAdd);
    patch.add(op("add", "/metadata/labels/" + escape(SIDECAR_LABEL), JSON.textNode("true")));
    return new InjectionDecision.Inject(patch, mode);
  }

  /**
   * The volume as the API server stores it: the pod the webhook is sent has been defaulted already, so a volume of
   * the pod's is the sidecar's own when it only differs by the defaults.
   */
  static Volume withApiServerDefaults(Volume volume) {
    VolumeBuilder v = new VolumeBuilder(volume);
    if (volume.getSecret() != null && volume.getSecret().getDefaultMode() == null) {
      v.editSecret().withDefaultMode(DEFAULT_MODE).endSecret();
    }
    if (volume.getConfigMap() != null && volume.getConfigMap().getDefaultMode() == null) {
      v.editConfigMap().withDefaultMode(DEFAULT_MODE).endConfigMap();
    }
    if (volume.getDownwardAPI() != null) {
      DownwardAPIVolumeSource api = volume.getDownwardAPI();
      v.editDownwardAPI().withDefaultMode(api.getDefaultMode() == null ? DEFAULT_MODE : api.getDefaultMode())
          .withItems(Optional.ofNullable(api.getItems()).orElse(List.of()).stream()
              .map(i -> i.getFieldRef() == null || i.getFieldRef().getApiVersion() != null ? i
                  : new DownwardAPIVolumeFileBuilder(i).editFieldRef().withApiVersion("v1").endFieldRef().build())
              .toList())
          .endDownwardAPI();
    }
    return v.build();
  }

  /** Appends to a list, creating it when the pod has none. */
  private static void append(ArrayNode patch, String path, List<?> current, List<?> items) {
    if (items.isEmpty()) {
      return;
    }
    if (current == null || current.isEmpty()) {
      ArrayNode all = JSON.arrayNode();
      items.forEach(i -> all.add(json(i)));
      patch.add(op("add", path, all));
    } else {
      items.forEach(i -> patch.add(op("add", path + "/-", json(i))));
    }
  }

  private static ObjectNode op(String op, String path, JsonNode value) {
    ObjectNode node = JSON.objectNode();
    node.put("op", op);
    node.put("path", path);
    node.set("value", value);
    return node;
  }

  private static JsonNode json(Object value) {
    return SERIALIZATION.convertValue(value, JsonNode.class);
  }

  /** JSON Pointer escaping (RFC 6901). */
  static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private static Stream<Container> containers(PodSpec spec) {
    return Stream.concat(Optional.ofNullable(spec.getInitContainers()).orElse(List.of()).stream(),
        Optional.ofNullable(spec.getContainers()).orElse(List.of()).stream());
  }
}
