package io.workerhealth.operator.reconcile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes a policy's status: the one place the reconciler's memory goes to the API server. */
interface StatusWriter {

  /**
   * Writes the status; false when the API server refused or failed (a conflict, too many requests, a server error):
   * the next reconcile retries, nothing is thrown out of the reconcile.
   */
  boolean write(WorkerHealthPolicy policy, WorkerHealthPolicyStatus status);

  /** Replaces the status as a whole with one JSON Patch through the status subresource. */
  static StatusWriter patching(KubernetesClient client) {
    Logger log = LoggerFactory.getLogger(StatusWriter.class);
    return (policy, status) -> {
      try {
        patch(client, policy, status);
        return true;
      } catch (KubernetesClientException e) {
        log.warn("writing the status of {}/{} failed (HTTP {}), retrying later: {}",
            policy.getMetadata().getNamespace(), policy.getMetadata().getName(), e.getCode(), e.getMessage());
        return false;
      }
    };
  }

  /** Replaces the status as a whole (one JSON Patch through the status subresource); throws what the client throws. */
  static void patch(KubernetesClient client, WorkerHealthPolicy policy, WorkerHealthPolicyStatus status) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    ObjectNode op = patch.addObject();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", client.getKubernetesSerialization().convertValue(status, ObjectNode.class));
    WorkerHealthPolicy target = new WorkerHealthPolicy();
    target.getMetadata().setName(policy.getMetadata().getName());
    target.getMetadata().setNamespace(policy.getMetadata().getNamespace());
    client.resources(WorkerHealthPolicy.class).inNamespace(policy.getMetadata().getNamespace()).resource(target)
        .subresource("status").patch(PatchContext.of(PatchType.JSON), patch.toString());
  }
}
