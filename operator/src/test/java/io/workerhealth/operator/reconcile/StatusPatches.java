package io.workerhealth.operator.reconcile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.workerhealth.api.v1alpha1.WorkerHealth;

/** The status write a sidecar makes: one JSON Patch replacing /status, without reading the resource first. */
final class StatusPatches {

  private StatusPatches() {}

  static void replaceStatus(KubernetesClient client, WorkerHealth wh) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    ObjectNode op = patch.addObject();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", client.getKubernetesSerialization().convertValue(wh.getStatus(), ObjectNode.class));
    WorkerHealth target = new WorkerHealth();
    target.getMetadata().setName(wh.getMetadata().getName());
    target.getMetadata().setNamespace(wh.getMetadata().getNamespace());
    client.resources(WorkerHealth.class).inNamespace(wh.getMetadata().getNamespace()).resource(target)
        .subresource("status").patch(PatchContext.of(PatchType.JSON), patch.toString());
  }
}
