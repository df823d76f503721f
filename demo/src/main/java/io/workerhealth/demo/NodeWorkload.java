package io.workerhealth.demo;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's Deployment on a real node, made from the example manifests a user applies (app-native-sidecar.yaml with
 * sidecar-rbac.yaml): the same images, probes, security context and downward API, renamed to the demo's namespace,
 * name and labels, and with the sidecar scraping at the demo's pace.
 */
final class NodeWorkload {

  private NodeWorkload() {}

  /** The objects to create, in order: the sidecar's ClusterRole, ServiceAccount and RoleBinding; the Deployment. */
  static List<HasMetadata> objects(KubernetesClient client, String namespace, String name, Map<String, String> labels,
                                   int replicas, Duration scrapeInterval) {
    List<HasMetadata> objects = new ArrayList<>();
    for (HasMetadata object : load(client, "manifests/sidecar-rbac.yaml")) {
      if (object instanceof ServiceAccount account) {
        account.getMetadata().setName(name);
        account.getMetadata().setNamespace(namespace);
        account.getMetadata().setLabels(labels);
      } else if (object instanceof RoleBinding binding) {
        binding.getMetadata().setName(name + "-worker-health-sidecar");
        binding.getMetadata().setNamespace(namespace);
        binding.getMetadata().setLabels(labels);
        binding.getSubjects().forEach(s -> {
          s.setName(name);
          s.setNamespace(namespace);
        });
      }
      objects.add(object);
    }
    Deployment deployment = (Deployment) load(client, "manifests/app-native-sidecar.yaml").get(0);
    deployment.getMetadata().setName(name);
    deployment.getMetadata().setNamespace(namespace);
    deployment.getMetadata().setLabels(labels);
    deployment.getSpec().setReplicas(replicas);
    deployment.getSpec().getSelector().setMatchLabels(labels);
    Map<String, String> podLabels = new LinkedHashMap<>(labels);
    // keeps the label the chart's PodMonitor selects sidecars by
    deployment.getSpec().getTemplate().getMetadata().getLabels().forEach((k, v) -> {
      if (k.startsWith("workerhealth.io/")) {
        podLabels.put(k, v);
      }
    });
    deployment.getSpec().getTemplate().getMetadata().setLabels(podLabels);
    deployment.getSpec().getTemplate().getSpec().setServiceAccountName(name);
    // The node runs no cluster DNS; the pods need none (the API server is found by its Service's address), and
    // without this the kubelet warns about it on every pod, into the demo's events.
    deployment.getSpec().getTemplate().getSpec().setDnsPolicy("Default");
    Container sidecar = deployment.getSpec().getTemplate().getSpec().getInitContainers().get(0);
    setEnv(sidecar, "WH_INTERVAL", scrapeInterval.toMillis() + "ms");
    setEnv(sidecar, "WH_TIMEOUT", Math.max(100, scrapeInterval.toMillis() * 4 / 5) + "ms");
    setEnv(sidecar, "WH_HEARTBEAT", "10s");
    objects.add(deployment);
    return objects;
  }

  private static void setEnv(Container container, String name, String value) {
    container.getEnv().removeIf(e -> e.getName().equals(name));
    container.getEnv().add(new EnvVar(name, value, null));
  }

  private static List<HasMetadata> load(KubernetesClient client, String resource) {
    try (InputStream in = NodeWorkload.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no " + resource + " on the classpath");
      }
      return client.load(in).items();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
