package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the informers keep of each object: only the fields the operator reads, so that its heap grows by a small
 * constant per pod (measured in docs/operator.md). Used as java-operator-sdk's {@code TransformingItemStore}
 * transformation; the informer hands the full object to the event filter first, the pruned copy is what stays.
 * Strings that many objects share (label keys and values, worker names, owner kinds) are interned.
 */
final class InformerPruning {

  private InformerPruning() {}

  /**
   * A WorkerHealth as policies read it: name, namespace, uid, labels, creation and deletion times, the owning pod's
   * uid; the scrape interval; phase, scrape times, consecutive failures, and each worker's name, status and since
   * when. Dropped: managed fields, annotations, the target URL, formats, messages, scrape errors.
   */
  static WorkerHealth workerHealth(WorkerHealth full) {
    WorkerHealth kept = new WorkerHealth();
    ObjectMeta m = full.getMetadata();
    ObjectMeta meta = bareMeta(m);
    meta.setCreationTimestamp(m.getCreationTimestamp());
    meta.setDeletionTimestamp(m.getDeletionTimestamp());
    meta.setLabels(interned(m.getLabels()));
    if (m.getOwnerReferences() != null) {
      for (OwnerReference o : m.getOwnerReferences()) {
        if ("Pod".equals(o.getKind())) {
          OwnerReference ref = new OwnerReference();
          ref.setKind("Pod");
          ref.setUid(o.getUid());
          meta.setOwnerReferences(List.of(ref));
          break;
        }
      }
    }
    kept.setMetadata(meta);
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setIntervalSeconds(full.getSpec() == null ? null : full.getSpec().getIntervalSeconds());
    kept.setSpec(spec);
    WorkerHealthStatus s = full.getStatus();
    if (s == null) {
      kept.setStatus(null);
      return kept;
    }
    WorkerHealthStatus status = new WorkerHealthStatus();
    status.setPhase(s.getPhase());
    status.setLastScrapeTime(s.getLastScrapeTime());
    status.setLastSuccessfulScrapeTime(s.getLastSuccessfulScrapeTime());
    status.setConsecutiveFailures(s.getConsecutiveFailures());
    List<WorkerState> workers = new ArrayList<>(s.getWorkers().size());
    for (WorkerState w : s.getWorkers()) {
      workers.add(new WorkerState(intern(w.getName()), w.getStatus(), null, null, w.getLastTransitionTime()));
    }
    status.setWorkers(List.copyOf(workers));
    kept.setStatus(status);
    return kept;
  }

  /**
   * A pod as the operator reads it: name, namespace, uid, labels, creation time and its controller (kind and name,
   * for the workload slot). Dropped: spec, status, annotations, managed fields, other owners.
   */
  static Pod pod(Pod full) {
    Pod kept = new Pod();
    ObjectMeta m = full.getMetadata();
    ObjectMeta meta = bareMeta(m);
    meta.setCreationTimestamp(m.getCreationTimestamp());
    meta.setLabels(interned(m.getLabels()));
    if (m.getOwnerReferences() != null) {
      for (OwnerReference o : m.getOwnerReferences()) {
        if (Boolean.TRUE.equals(o.getController())) {
          OwnerReference ref = new OwnerReference();
          ref.setKind(intern(o.getKind()));
          ref.setName(o.getName());
          ref.setController(true);
          meta.setOwnerReferences(List.of(ref));
          break;
        }
      }
    }
    kept.setMetadata(meta);
    return kept;
  }

  /** Name, namespace, uid, resourceVersion; every collection an empty shared one. */
  private static ObjectMeta bareMeta(ObjectMeta m) {
    ObjectMeta meta = new ObjectMeta();
    meta.setName(m.getName());
    meta.setNamespace(intern(m.getNamespace()));
    meta.setUid(m.getUid());
    meta.setResourceVersion(m.getResourceVersion());
    meta.setLabels(Map.of());
    meta.setAnnotations(Map.of());
    meta.setOwnerReferences(List.of());
    meta.setFinalizers(List.of());
    meta.setManagedFields(List.of());
    return meta;
  }

  private static Map<String, String> interned(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>(labels.size() * 2);
    labels.forEach((k, v) -> {
      if (k != null && v != null) {
        out.put(intern(k), intern(v));
      }
    });
    return Map.copyOf(out);
  }

  private static String intern(String s) {
    return s == null ? null : s.intern();
  }
}
