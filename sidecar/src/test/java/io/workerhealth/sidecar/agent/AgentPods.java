package io.workerhealth.sidecar.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Pods as the API server holds them once scheduled and started: a node, an IP, annotations. */
final class AgentPods {

  private AgentPods() {}

  /** A running pod of {@code node} at {@code ip}, annotated {@code workerhealth.io/<key>: value} for each pair. */
  static Pod pod(String namespace, String name, String node, String ip, String... annotations) {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i < annotations.length; i += 2) {
      a.put("workerhealth.io/" + annotations[i], annotations[i + 1]);
    }
    return new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).withUid(UUID.randomUUID().toString())
        .addToLabels("app", name.replaceAll("-[^-]*$", "")).withAnnotations(a).endMetadata()
        .withNewSpec().withNodeName(node).addNewContainer().withName("app").withImage("app:1").endContainer()
        .endSpec()
        .withNewStatus().withPhase("Running").withPodIP(ip).endStatus()
        .build();
  }

  /** A pod scraped at {@code port} on 127.0.0.1. */
  static Pod scraped(String name, int port, String... more) {
    String[] annotations = new String[more.length + 4];
    annotations[0] = "scrape";
    annotations[1] = "true";
    annotations[2] = "port";
    annotations[3] = Integer.toString(port);
    System.arraycopy(more, 0, annotations, 4, more.length);
    return pod("shop", name, "node-a", "127.0.0.1", annotations);
  }
}
