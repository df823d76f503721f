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
import java.util.List;
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
    boolean labelsDiffer = !Objects.equals(current == null ? Map.of() : current, labels);
    // A pod recreated under the same name (StatefulSets) finds the previous pod's resource, about to be garbage
    // collected with it: take it over, and start from a clean status.
    boolean ownedByAnotherPod = podUid != null && existing.getMetadata().getOwnerReferences() != null
        && existing.getMetadata().getOwnerReferences().stream().noneMatch(o -> podUid.equals(o.getUid()));
    if (labelsDiffer || ownedByAnotherPod) {
      patchMetadata(labels, ownedByAnotherPod);
    }
    return ownedByAnotherPod ? null : existing.getStatus();
  }

  private WorkerHealth newResource(Map<String, String> labels) {
    WorkerHealth wh = new WorkerHealth();
    wh.setMetadata(new ObjectMetaBuilder()
        .withName(podName)
        .withNamespace(namespace)
        .withLabels(labels.isEmpty() ? null : labels)
        .withOwnerReferences(ownerReference())
        .build());
    wh.setSpec(spec);
    wh.setStatus(null);
    return wh;
  }

  private io.fabric8.kubernetes.api.model.OwnerReference ownerReference() {
    return new OwnerReferenceBuilder()
        .withApiVersion("v1")
        .withKind("Pod")
        .withName(podName)
        .withUid(podUid())
        .build();
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

  /** Sets the labels (and the owner) as a whole: a JSON Patch replaces them, so removed labels go too. */
  private void patchMetadata(Map<String, String> wanted, boolean takeOver) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    ObjectNode labelsOp = patch.addObject();
    labelsOp.put("op", "add");
    labelsOp.put("path", "/metadata/labels");
    labelsOp.set("value", client.getKubernetesSerialization().convertValue(wanted, ObjectNode.class));
    if (takeOver) {
      ObjectNode ownerOp = patch.addObject();
      ownerOp.put("op", "add");
      ownerOp.put("path", "/metadata/ownerReferences");
      ownerOp.set("value", client.getKubernetesSerialization().convertValue(List.of(ownerReference()), ArrayNode.class));
    }
    resource().patch(PatchContext.of(PatchType.JSON), patch.toString());
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
