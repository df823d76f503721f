package io.workerhealth.sidecar.agent;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.workerhealth.api.v1alpha1.ApiGroup;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;

/**
 * The node's Lease, like kubelet's node lease: one per node whatever the number of pods, renewed by replacing it
 * (one request, guarded by its resource version) from the copy the last renewal returned. Created when missing;
 * read again after a conflict.
 */
final class NodeLease {

  /** Marks the Leases of node agents (the operator watches those of its namespace). */
  static final String LABEL = "workerhealth.io/agent-lease";

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final String nodeName;
  private final String holder;
  private final int durationSeconds;
  private Lease known;

  NodeLease(KubernetesClient client, String namespace, String nodeName, String holder, Duration duration) {
    this.client = client;
    this.namespace = namespace;
    this.nodeName = nodeName;
    this.name = ApiGroup.agentLeaseName(nodeName);
    this.holder = holder;
    this.durationSeconds = (int) duration.toSeconds();
  }

  String name() {
    return namespace + "/" + name;
  }

  /** Renews it as of {@code now}. Throws KubernetesClientException when the API server refuses or fails. */
  synchronized void renew(Instant now) {
    ZonedDateTime at = now.atZone(ZoneOffset.UTC);
    try {
      if (known == null) {
        known = client.leases().inNamespace(namespace).withName(name).get();
      }
      if (known == null) {
        known = client.leases().inNamespace(namespace).resource(new LeaseBuilder()
            .withNewMetadata().withName(name).withNamespace(namespace).addToLabels(LABEL, "true").endMetadata()
            .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(durationSeconds)
            .withAcquireTime(at).withRenewTime(at).withLeaseTransitions(0).endSpec()
            .build()).create();
        return;
      }
      LeaseBuilder next = new LeaseBuilder(known).editSpec().withRenewTime(at)
          .withLeaseDurationSeconds(durationSeconds).endSpec();
      if (!Objects.equals(known.getSpec().getHolderIdentity(), holder)) {
        // a new agent pod on this node (an upgrade): it holds the Lease from now on
        int transitions = known.getSpec().getLeaseTransitions() == null ? 0 : known.getSpec().getLeaseTransitions();
        next.editSpec().withHolderIdentity(holder).withAcquireTime(at).withLeaseTransitions(transitions + 1)
            .endSpec();
      }
      known = client.leases().inNamespace(namespace).resource(next.build()).update();
    } catch (KubernetesClientException e) {
      known = null; // a conflict or a deleted Lease: read it again next time
      throw e;
    }
  }

  @Override
  public String toString() {
    return "Lease " + name() + " of node " + nodeName;
  }
}
