package io.workerhealth.operator.reconcile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a policy's status: the one place the reconciler's memory goes to the API server. The reconciler reads a
 * policy from the informer's cache, never with a GET, so this class also keeps the guarantee a fresh read gave:
 * <ul>
 *   <li><b>Read your own writes.</b> The cache may not have this operator's last write yet when the next reconcile of
 *   the policy starts. {@link #latest} answers with that write until the cache holds it (or a later version).</li>
 *   <li><b>No write from a stale view.</b> Every write names the resourceVersion it was decided from; if anyone wrote
 *   the policy since (another replica, a spec change), the API server answers 409 and nothing is acted on.</li>
 *   <li><b>No write without a change.</b> A status equal to what the API server already holds is not sent.</li>
 * </ul>
 * java-operator-sdk 5.2's own overlay for the primary resource ({@code handleRecentResourceUpdate}) is not used: it
 * drops the overlaid write on any informer event of the resource, so the event of a round's first write (the intent)
 * would hide its second (the outcome) until the informer caught up.
 */
class StatusWriter {

  /** What a write came to. */
  enum Result {
    /** Sent and accepted. */
    WRITTEN,
    /** Nothing changed: no request. */
    UNCHANGED,
    /** The policy changed since it was read (409): decide again from the newer version. */
    CONFLICT,
    /** Refused or failed otherwise (429, 5xx, a timeout): retry later. */
    FAILED;

    boolean stored() {
      return this == WRITTEN || this == UNCHANGED;
    }
  }

  /**
   * What the API server holds of a policy as far as this operator knows: the resourceVersion and the status of its
   * last write (or of the version last read), and the versions that write superseded, which the cache may still show.
   */
  private record Known(String resourceVersion, ObjectNode status, Set<String> superseded) {}

  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);

  private final KubernetesClient client;
  private final KubernetesSerialization json;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Counts counts;

  /** Counts writes by result (for metrics). */
  interface Counts {
    void count(Result result);
  }

  StatusWriter(KubernetesClient client, Counts counts) {
    this.client = client;
    this.json = client.getKubernetesSerialization();
    this.counts = counts;
  }

  /**
   * The policy as this round must see it: {@code cached} (a copy the reconciler may change), or, while the cache has
   * not caught up with this operator's last status write, that copy with the status and resourceVersion of the write.
   */
  WorkerHealthPolicy latest(WorkerHealthPolicy cached) {
    String key = key(cached);
    String cachedVersion = cached.getMetadata().getResourceVersion();
    Known k = known.get(key);
    if (k != null && cachedVersion != null && k.superseded().contains(cachedVersion)) {
      cached.setStatus(json.convertValue(k.status(), WorkerHealthPolicyStatus.class));
      cached.getMetadata().setResourceVersion(k.resourceVersion());
      return cached;
    }
    // the cache holds the last write, or something newer (which only the API server could have made): it is the truth
    known.put(key, new Known(cachedVersion, statusTree(cached.getStatus()), Set.of()));
    return cached;
  }

  /**
   * Writes the status of {@code policy} (as returned by {@link #latest}) unless it equals what the API server holds;
   * on success the policy carries the new resourceVersion, so a second write in the same round follows the first.
   */
  Result write(WorkerHealthPolicy policy, WorkerHealthPolicyStatus status) {
    Result result = send(policy, status);
    counts.count(result);
    return result;
  }

  private Result send(WorkerHealthPolicy policy, WorkerHealthPolicyStatus status) {
    String key = key(policy);
    String version = policy.getMetadata().getResourceVersion();
    ObjectNode tree = statusTree(status);
    Known k = known.get(key);
    if (k != null && Objects.equals(k.resourceVersion(), version) && tree.equals(k.status())) {
      return Result.UNCHANGED;
    }
    try {
      WorkerHealthPolicy written = patch(client, policy, tree, version);
      String now = written.getMetadata().getResourceVersion();
      Set<String> superseded = new HashSet<>(k != null && Objects.equals(k.resourceVersion(), version)
          ? k.superseded() : Set.of());
      if (version != null) {
        superseded.add(version);
      }
      known.put(key, new Known(now, tree, Set.copyOf(superseded)));
      policy.getMetadata().setResourceVersion(now);
      return Result.WRITTEN;
    } catch (KubernetesClientException e) {
      known.remove(key); // whatever the API server holds now, the cache will show it
      LOG.warn("writing the status of {}/{} failed (HTTP {}), deciding again later: {}",
          policy.getMetadata().getNamespace(), policy.getMetadata().getName(), e.getCode(), e.getMessage());
      return e.getCode() == 409 ? Result.CONFLICT : Result.FAILED;
    }
  }

  /** Forgets a policy that is gone. */
  void forget(String namespace, String name) {
    known.remove(namespace + "/" + name);
  }

  private ObjectNode statusTree(WorkerHealthPolicyStatus status) {
    return json.convertValue(status == null ? new WorkerHealthPolicyStatus() : status, ObjectNode.class);
  }

  private static String key(WorkerHealthPolicy policy) {
    return policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
  }

  /**
   * Replaces the status as a whole with one JSON Patch through the status subresource; with a resourceVersion, the
   * patch sets it too, so the API server refuses it (409) when the policy changed since that version.
   */
  static WorkerHealthPolicy patch(KubernetesClient client, WorkerHealthPolicy policy, ObjectNode status,
                                  String resourceVersion) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    if (resourceVersion != null) {
      ObjectNode lock = patch.addObject();
      lock.put("op", "replace");
      lock.put("path", "/metadata/resourceVersion");
      lock.put("value", resourceVersion);
    }
    ObjectNode op = patch.addObject();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", status);
    WorkerHealthPolicy target = new WorkerHealthPolicy();
    target.getMetadata().setName(policy.getMetadata().getName());
    target.getMetadata().setNamespace(policy.getMetadata().getNamespace());
    return client.resources(WorkerHealthPolicy.class).inNamespace(policy.getMetadata().getNamespace())
        .resource(target).subresource("status").patch(PatchContext.of(PatchType.JSON), patch.toString());
  }

  /** Replaces the status as a whole, unconditionally (throws what the client throws). */
  static void patch(KubernetesClient client, WorkerHealthPolicy policy, WorkerHealthPolicyStatus status) {
    patch(client, policy, client.getKubernetesSerialization().convertValue(status, ObjectNode.class), null);
  }
}
