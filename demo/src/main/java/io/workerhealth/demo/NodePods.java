package io.workerhealth.demo;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.demo.view.Narration;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The demo's pods on a real node: the kubelet runs their containers; this follows them, says when one runs or has
 * stopped (with its containers' exit codes), and reaches each app's fault endpoints at its pod IP (the host routes
 * the pod network over the node's bridge).
 */
final class NodePods implements PodRuntime {

  /** The port the example manifests give the app (PORT). */
  static final int APP_PORT = 8080;

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, String> selector;
  private final Narration narration;
  /** Running and Ready pods: name → pod IP. */
  private final Map<String, String> running = new TreeMap<>();
  private final Map<String, Pod> lastSeen = new TreeMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private RepeatingTask loop;

  NodePods(KubernetesClient client, String namespace, Map<String, String> selector, Narration narration) {
    this.client = client;
    this.namespace = namespace;
    this.selector = selector;
    this.narration = narration;
  }

  NodePods start() {
    loop = RepeatingTask.start("node-pods", Duration.ofMillis(250), this::sync);
    return this;
  }

  synchronized void sync() {
    List<Pod> pods = client.pods().inNamespace(namespace).withLabels(selector).list().getItems();
    Map<String, Pod> now = new TreeMap<>();
    pods.forEach(p -> now.put(p.getMetadata().getName(), p));
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      boolean ready = pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus() != null
          && "Running".equals(pod.getStatus().getPhase()) && pod.getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
      if (ready && !running.containsKey(name)) {
        running.put(name, pod.getStatus().getPodIP());
        narration.say("kubelet: pod " + name + " runs on " + pod.getSpec().getNodeName() + " at "
            + pod.getStatus().getPodIP() + ": " + containers(pod, s -> "started " + s.getState().getRunning()
            .getStartedAt().substring(11)));
      } else if (!ready && running.containsKey(name)) {
        running.remove(name);
      }
    }
    for (String name : new ArrayList<>(lastSeen.keySet())) {
      if (!now.containsKey(name)) {
        Pod gone = lastSeen.get(name);
        running.remove(name);
        narration.say("kubelet: pod " + name + " stopped: " + containers(gone, s -> s.getState().getTerminated()
            == null ? "no exit seen" : "exit " + s.getState().getTerminated().getExitCode()));
      }
    }
    lastSeen.clear();
    lastSeen.putAll(now);
  }

  private static String containers(Pod pod, java.util.function.Function<ContainerStatus, String> state) {
    List<ContainerStatus> statuses = new ArrayList<>(pod.getStatus().getInitContainerStatuses());
    statuses.addAll(pod.getStatus().getContainerStatuses());
    return statuses.stream().map(s -> s.getName() + " " + safe(state, s)).collect(Collectors.joining(", "));
  }

  private static String safe(java.util.function.Function<ContainerStatus, String> state, ContainerStatus s) {
    try {
      return state.apply(s);
    } catch (RuntimeException notThere) {
      return "(" + s.getState() + ")";
    }
  }

  @Override
  public synchronized List<String> runningPods() {
    return List.copyOf(running.keySet());
  }

  @Override
  public synchronized Map<String, String> appAddresses() {
    Map<String, String> addresses = new TreeMap<>();
    running.forEach((pod, ip) -> addresses.put(pod, ip + ":" + APP_PORT));
    return addresses;
  }

  @Override
  public String fault(String pod, String pathAndQuery) {
    String ip;
    synchronized (this) {
      ip = running.get(pod);
    }
    if (ip == null) {
      throw new IllegalStateException("pod " + pod + " does not run");
    }
    return PodRuntime.postFault(http, pod, URI.create("http://" + ip + ":" + APP_PORT + pathAndQuery));
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
    }
  }
}
