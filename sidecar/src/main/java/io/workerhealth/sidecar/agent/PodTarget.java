package io.workerhealth.sidecar.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import okhttp3.HttpUrl;

/**
 * What the node agent does with one pod of its node, decided from the pod alone. Pure.
 */
public sealed interface PodTarget {

  /** The container the sidecar injection adds: a pod that has it is reported by its sidecar. */
  String SIDECAR_CONTAINER = "worker-health-sidecar";
  /** The label the sidecar injection puts on the pods it injects. */
  String SIDECAR_LABEL = "workerhealth.io/sidecar";

  /** Not the agent's to report: not opted in, reported by its sidecar, on another node, finished or going. */
  record Ignored(String reason) implements PodTarget {}

  /** Opted in, but there is nothing to scrape yet (no pod IP). */
  record Waiting(String reason) implements PodTarget {}

  /** Opted in with settings the agent cannot use: reported as such, not scraped. */
  record Invalid(String message) implements PodTarget {}

  /**
   * To be scraped at {@code url} (the pod's IP, the port resolved), as {@code settings} say.
   */
  record Scrape(PodSettings settings, HttpUrl url) implements PodTarget {}

  /** The decision for {@code pod} on the agent's node {@code nodeName}. */
  static PodTarget of(Pod pod, String nodeName, AgentConfig.PodDefaults defaults, long maxBodyLimit) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations() == null ? Map.of()
        : pod.getMetadata().getAnnotations();
    if (!"true".equals(annotations.get(PodSettings.SCRAPE))) {
      return new Ignored("not annotated " + PodSettings.SCRAPE + ": \"true\"");
    }
    if (pod.getSpec() == null || !nodeName.equals(pod.getSpec().getNodeName())) {
      return new Ignored("not on node " + nodeName);
    }
    if (hasSidecar(pod)) {
      return new Ignored("reported by its own sidecar");
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return new Ignored("being deleted");
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
      return new Ignored("finished (" + phase + ")");
    }
    List<String> problems = new ArrayList<>();
    PodSettings settings = PodSettings.read(annotations, defaults, maxBodyLimit, problems);
    Integer port = settings == null ? null : port(pod, settings.port(), problems);
    if (!problems.isEmpty()) {
      return new Invalid(String.join("; ", problems));
    }
    String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    if (ip == null || ip.isBlank()) {
      return new Waiting("no pod IP yet");
    }
    String host = ip.contains(":") ? "[" + ip.strip() + "]" : ip.strip();
    HttpUrl url = HttpUrl.parse(settings.scheme() + "://" + host + ":" + port + settings.path());
    if (url == null) {
      return new Invalid("cannot make a URL of pod IP " + ip + ", port " + port + " and path " + settings.path());
    }
    return new Scrape(settings, url);
  }

  /** The port number: the one given, or that of the container port of this name. */
  private static Integer port(Pod pod, String port, List<String> problems) {
    if (port.chars().allMatch(Character::isDigit)) {
      return Integer.parseInt(port);
    }
    List<ContainerPort> named = containers(pod).flatMap(c -> c.getPorts() == null ? Stream.empty() : c.getPorts().stream())
        .filter(p -> port.equals(p.getName()) && p.getContainerPort() != null).toList();
    if (named.isEmpty()) {
      problems.add(PodSettings.SCRAPE.replace("scrape", "port") + "=" + port + ": no container port of the pod is "
          + "named so");
      return null;
    }
    return named.get(0).getContainerPort();
  }

  private static boolean hasSidecar(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels != null && "true".equals(labels.get(SIDECAR_LABEL))
        || containers(pod).anyMatch(c -> SIDECAR_CONTAINER.equals(c.getName()));
  }

  private static Stream<Container> containers(Pod pod) {
    if (pod.getSpec() == null) {
      return Stream.empty();
    }
    Stream<Container> main = pod.getSpec().getContainers() == null ? Stream.empty()
        : pod.getSpec().getContainers().stream();
    Stream<Container> init = pod.getSpec().getInitContainers() == null ? Stream.empty()
        : pod.getSpec().getInitContainers().stream();
    return Stream.concat(init, main);
  }
}
