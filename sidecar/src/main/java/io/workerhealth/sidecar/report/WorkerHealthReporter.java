package io.workerhealth.sidecar.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.util.Map;
import java.util.Objects;

/**
 * Writes one pod's WorkerHealth. Creates it when missing (owned by the pod, labelled like it), keeps its labels in
 * step with the pod's, and replaces its status through the status subresource.
 */
public final class WorkerHealthReporter {

  private final KubernetesClient client;
  private final String namespace;
  private final String podName;
  private final WorkerHealthSpec spec;
  private volatile String podUid;

  public WorkerHealthReporter(KubernetesClient client, String namespace, String podName, String podUid,
                              WorkerHealthSpec spec) {
    this.client = client;
    this.namespace = namespace;
    this.podName = podName;
    this.podUid = podUid;
    this.spec = spec;
  }

  private Resource<WorkerHealth> resource() {
    return client.resources(WorkerHealth.class).inNamespace(namespace).withName(podName);
  }

  /**
   * Makes sure the resource exists with these labels; returns its current status (null if none), so that a
   * restarted sidecar continues the transition times it wrote before.
   */
  public WorkerHealthStatus ensureExists(Map<String, String> labels) {
    WorkerHealth existing = resource().get();
    if (existing == null) {
      try {
        resource().create(newResource(labels));
        return null;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        existing = resource().get(); // created meanwhile (a previous attempt that timed out)
        if (existing == null) {
          throw e;
        }
      }
    }
    Map<String, String> current = existing.getMetadata().getLabels();
    if (!Objects.equals(current == null ? Map.of() : current, labels)) {
      patchLabels(current == null ? Map.of() : current, labels);
    }
    return existing.getStatus();
  }

  private WorkerHealth newResource(Map<String, String> labels) {
    WorkerHealth wh = new WorkerHealth();
    wh.setMetadata(new ObjectMetaBuilder()
        .withName(podName)
        .withNamespace(namespace)
        .withLabels(labels.isEmpty() ? null : labels)
        .withOwnerReferences(new OwnerReferenceBuilder()
            .withApiVersion("v1")
            .withKind("Pod")
            .withName(podName)
            .withUid(podUid())
            .build())
        .build());
    wh.setSpec(spec);
    wh.setStatus(null);
    return wh;
  }

  private String podUid() {
    if (podUid == null) {
      Pod pod = client.pods().inNamespace(namespace).withName(podName).get();
      if (pod == null) {
        throw new IllegalStateException("pod " + namespace + "/" + podName
            + " not found; set POD_UID from the downward API (fieldRef metadata.uid)");
      }
      podUid = pod.getMetadata().getUid();
    }
    return podUid;
  }

  private void patchLabels(Map<String, String> current, Map<String, String> wanted) {
    ObjectNode labels = client.getKubernetesSerialization().convertValue(Map.of(), ObjectNode.class);
    wanted.forEach(labels::put);
    for (String key : current.keySet()) {
      if (!wanted.containsKey(key)) {
        labels.putNull(key);
      }
    }
    ObjectNode patch = labels.objectNode();
    patch.putObject("metadata").set("labels", labels);
    resource().patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
  }

  /**
   * Writes the status: a JSON Patch that sets {@code /status} as a whole, so fields the new status leaves out (a
   * cleared error, a worker list that shrank) are gone afterwards, and no read-modify-write race is possible. Throws
   * KubernetesClientException (404 when the resource is gone) for the caller to handle.
   */
  public void writeStatus(WorkerHealthStatus status) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    ObjectNode op = patch.addObject();
    op.put("op", "add"); // "add" on an existing member replaces it
    op.put("path", "/status");
    op.set("value", client.getKubernetesSerialization().convertValue(status, ObjectNode.class));
    // addressed through an item, not withName(): fabric8 then patches without reading the resource first
    WorkerHealth target = new WorkerHealth();
    target.getMetadata().setName(podName);
    target.getMetadata().setNamespace(namespace);
    client.resources(WorkerHealth.class).inNamespace(namespace).resource(target).subresource("status")
        .patch(PatchContext.of(PatchType.JSON), patch.toString());
  }
}
