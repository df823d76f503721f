package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.Reporter;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the informers keep of each object: only the fields the operator reads, so that its heap grows by a small
 * constant per pod (measured in docs/operator.md). Used as java-operator-sdk's {@code TransformingItemStore}
 * transformation.
 *
 * <p>The object is pruned in place, not copied: the informer hands the same instance to its event handlers, and
 * java-operator-sdk holds those events back until the informer has listed everything (its event source is busy
 * starting), so a copy would leave every listed object in full in memory at once. Strings that many objects share
 * (label keys and values, worker names, namespaces, owner kinds and names) are interned, and equal times within an
 * object share one string.
 */
final class InformerPruning {

  private InformerPruning() {}

  /**
   * A WorkerHealth as policies read it: name, namespace, uid, labels, creation and deletion times, the owning pod's
   * uid; the scrape interval and reporter (kind, node); phase, scrape times, consecutive failures, and each worker's name, status and since
   * when. Dropped: managed fields, annotations, other owners, the target URL, formats, HTTP status, scrape errors,
   * the workers' own words and messages.
   */
  static WorkerHealth workerHealth(WorkerHealth wh) {
    ObjectMeta meta = wh.getMetadata();
    OwnerReference pod = null;
    if (meta.getOwnerReferences() != null) {
      for (OwnerReference o : meta.getOwnerReferences()) {
        if ("Pod".equals(o.getKind())) {
          pod = new OwnerReference();
          pod.setKind("Pod");
          pod.setUid(o.getUid());
          pod.setAdditionalProperties(Map.of());
          break;
        }
      }
    }
    bare(meta);
    meta.setOwnerReferences(pod == null ? List.of() : List.of(pod));
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setIntervalSeconds(wh.getSpec() == null ? null : wh.getSpec().getIntervalSeconds());
    Reporter reporter = wh.getSpec() == null ? null : wh.getSpec().getReporter();
    if (reporter != null) {
      // a node agent's report is believed while its node's Lease vouches for it, and only for its node's pods
      spec.setReporter(new Reporter(reporter.getKind(), intern(reporter.getNodeName())));
    }
    wh.setSpec(spec);
    WorkerHealthStatus s = wh.getStatus();
    if (s == null) {
      return wh;
    }
    WorkerHealthStatus status = new WorkerHealthStatus();
    status.setPhase(s.getPhase());
    String scraped = s.getLastScrapeTime();
    status.setLastScrapeTime(scraped);
    status.setLastSuccessfulScrapeTime(same(s.getLastSuccessfulScrapeTime(), scraped));
    status.setConsecutiveFailures(s.getConsecutiveFailures());
    List<WorkerState> workers = new ArrayList<>(s.getWorkers().size());
    String since = null;
    for (WorkerState w : s.getWorkers()) {
      // workers that changed together (usually all, when the pod started) share one time
      since = same(w.getLastTransitionTime(), since);
      workers.add(new WorkerState(intern(w.getName()), w.getStatus(), null, null, since));
    }
    status.setWorkers(List.copyOf(workers));
    wh.setStatus(status);
    return wh;
  }

  /**
   * A pod as the operator reads it: name, namespace, uid, labels, creation time, its controller (kind and name, for
   * the workload slot) and its node. Dropped: the rest of the spec, status, annotations, managed fields, other owners.
   */
  static Pod pod(Pod p) {
    ObjectMeta meta = p.getMetadata();
    OwnerReference controller = null;
    if (meta.getOwnerReferences() != null) {
      for (OwnerReference o : meta.getOwnerReferences()) {
        if (Boolean.TRUE.equals(o.getController())) {
          controller = new OwnerReference();
          controller.setKind(intern(o.getKind()));
          controller.setName(intern(o.getName()));
          controller.setController(true);
          controller.setAdditionalProperties(Map.of());
          break;
        }
      }
    }
    bare(meta);
    meta.setOwnerReferences(controller == null ? List.of() : List.of(controller));
    String node = p.getSpec() == null ? null : intern(p.getSpec().getNodeName());
    // the node only, against which a node agent's report is checked
    p.setSpec(node == null ? null : new PodSpecBuilder().withNodeName(node).build());
    p.setStatus(null);
    p.setAdditionalProperties(Map.of());
    return p;
  }

  /**
   * A pod update that changes what the operator reads (labels, controller, deletion), not its status, which changes
   * often. Both are pruned already: the informer prunes in place before it tells the update.
   */
  static boolean podChanged(Pod now, Pod before) {
    return before == null || !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
        || !Objects.equals(now.getMetadata().getOwnerReferences(), before.getMetadata().getOwnerReferences())
        || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp());
  }

  /** Keeps name, uid, resourceVersion, creation and deletion times and labels (interned); empties the rest. */
  private static void bare(ObjectMeta meta) {
    meta.setNamespace(intern(meta.getNamespace()));
    meta.setLabels(interned(meta.getLabels()));
    meta.setAnnotations(Map.of());
    meta.setFinalizers(List.of());
    meta.setManagedFields(List.of());
    meta.setGenerateName(null);
    meta.setSelfLink(null);
    meta.setAdditionalProperties(Map.of());
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

  /** {@code text}, or {@code other} when equal (one string instead of two). */
  private static String same(String text, String other) {
    return Objects.equals(text, other) ? other : text;
  }

  private static String intern(String s) {
    return s == null ? null : s.intern();
  }
}
