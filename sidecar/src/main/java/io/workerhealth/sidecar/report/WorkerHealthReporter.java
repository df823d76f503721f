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
   * What {@link #ensureExists} found: the stored state a first status write is tested against, and the status to
   * continue (null when there is none, or when it belonged to a previous pod of the same name).
   */
  public record Existing(StoredReport stored, WorkerHealthStatus previous) {}

  /**
   * Makes sure the resource exists with these labels; returns what is stored, so that a restarted sidecar continues
   * the transition times it wrote before and its first write is tested against the stored status.
   */
  public Existing ensureExists(Map<String, String> labels) {
    WorkerHealth existing = resource().get();
    if (existing == null) {
      try {
        return new Existing(StoredReport.of(resource().create(newResource(labels))), null);
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
      existing = patchMetadata(labels, ownedByAnotherPod);
    }
    WorkerHealthStatus status = existing.getStatus();
    boolean reported = status != null && status.getLastScrapeTime() != null;
    return new Existing(StoredReport.of(existing), ownedByAnotherPod || !reported ? null : status);
  }

  /** The resource as stored, or null when it does not exist. */
  public WorkerHealth read() {
    return resource().get();
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
  private WorkerHealth patchMetadata(Map<String, String> wanted, boolean takeOver) {
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
    return resource().patch(PatchContext.of(PatchType.JSON), patch.toString());
  }

  /**
   * Writes the status if, and only if, what is stored is still {@code stored}: one JSON Patch that tests the stored
   * state ({@link StoredReport}) and sets {@code /status} as a whole, so fields the new status leaves out (a cleared
   * error, a worker list that shrank) are gone afterwards. One request, no read. Returns what is stored afterwards.
   * Throws KubernetesClientException: 404 when the resource is gone, 422 (or 409) when the test failed or the API
   * server refuses the status.
   */
  public StoredReport writeStatus(WorkerHealthStatus status, StoredReport stored) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    if (stored != null && stored.testedPath() != null) {
      ObjectNode test = patch.addObject();
      test.put("op", "test");
      test.put("path", stored.testedPath());
      test.put("value", stored.testedValue());
    }
    ObjectNode op = patch.addObject();
    op.put("op", "add"); // "add" on an existing member replaces it
    op.put("path", "/status");
    op.set("value", client.getKubernetesSerialization().convertValue(status, ObjectNode.class));
    // addressed through an item, not withName(): fabric8 then patches without reading the resource first
    WorkerHealth target = new WorkerHealth();
    target.getMetadata().setName(podName);
    target.getMetadata().setNamespace(namespace);
    WorkerHealth written = client.resources(WorkerHealth.class).inNamespace(namespace).resource(target)
        .subresource("status").patch(PatchContext.of(PatchType.JSON), patch.toString());
    return written == null ? new StoredReport(status.getLastScrapeTime(), null) : StoredReport.of(written);
  }
}
