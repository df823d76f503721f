package io.workerhealth.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's Deployment on a real node, made from the example manifests a user applies (app-injected.yaml with
 * sidecar-rbac.yaml): the app's image, probes and security context, and the label that asks the injection webhook for
 * the sidecar, renamed to the demo's namespace, name and labels, with annotations setting the sidecar to the demo's
 * pace. The sidecar itself is added by the webhook when the ReplicaSet creates each pod.
 */
final class NodeWorkload {

  private NodeWorkload() {}

  /**
   * The objects to create, in order: the sidecar's ClusterRole, ServiceAccount and RoleBinding; the Deployment, its
   * pod template given {@code annotations} (the sidecar's settings) besides the manifest's.
   */
  static List<HasMetadata> objects(KubernetesClient client, String namespace, String name, Map<String, String> labels,
                                   int replicas, Map<String, String> annotations) {
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
    // app-injected.yaml's ServiceAccount is sidecar-rbac.yaml's, made above
    Deployment deployment = load(client, "manifests/app-injected.yaml").stream()
        .filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst().orElseThrow();
    deployment.getMetadata().setName(name);
    deployment.getMetadata().setNamespace(namespace);
    deployment.getMetadata().setLabels(labels);
    deployment.getSpec().setReplicas(replicas);
    deployment.getSpec().getSelector().setMatchLabels(labels);
    Map<String, String> podLabels = new LinkedHashMap<>(labels);
    // keeps the label asking for the sidecar
    deployment.getSpec().getTemplate().getMetadata().getLabels().forEach((k, v) -> {
      if (k.startsWith("workerhealth.io/")) {
        podLabels.put(k, v);
      }
    });
    deployment.getSpec().getTemplate().getMetadata().setLabels(podLabels);
    Map<String, String> podAnnotations = new LinkedHashMap<>(deployment.getSpec().getTemplate().getMetadata()
        .getAnnotations());
    podAnnotations.putAll(annotations);
    deployment.getSpec().getTemplate().getMetadata().setAnnotations(podAnnotations);
    deployment.getSpec().getTemplate().getSpec().setServiceAccountName(name);
    // The node runs no cluster DNS; the pods need none (the API server is found by its Service's address), and
    // without this the kubelet warns about it on every pod, into the demo's events.
    deployment.getSpec().getTemplate().getSpec().setDnsPolicy("Default");
    objects.add(deployment);
    return objects;
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
