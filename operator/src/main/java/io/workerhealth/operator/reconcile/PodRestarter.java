package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.DeleteOptionsBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Restarts pods through the Eviction API, so PodDisruptionBudgets hold. The eviction names the pod's uid as a
 * precondition: a replacement pod that took the same name (StatefulSets) is never evicted by mistake, which also
 * makes retrying an eviction after an operator restart safe.
 */
public class PodRestarter {

  /** What an eviction came to. */
  public enum Result {
    /** Accepted: the pod is being deleted. */
    EVICTED,
    /** Refused for now (HTTP 429): a PodDisruptionBudget does not allow it yet. */
    BLOCKED,
    /** The pod (with that uid) no longer exists: nothing left to restart. */
    GONE
  }

  private final KubernetesClient client;

  /**
   * Uses a client like {@code base} but without fabric8's automatic retries: those would retry a 429 (a
   * PodDisruptionBudget saying "not now") for minutes inside the reconcile; the reconciler retries it later instead.
   */
  public PodRestarter(KubernetesClient base) {
    this.client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(base.getConfiguration()).withRequestRetryBackoffLimit(0).build())
        .withHttpClientFactory(new OkHttpClientFactory())
        .build();
  }

  public void close() {
    client.close();
  }

  public Result restart(String namespace, String pod, String uid) {
    try {
      boolean accepted = client.pods().inNamespace(namespace).withName(pod).evict(new EvictionBuilder()
          .withNewMetadata().withName(pod).withNamespace(namespace).endMetadata()
          .withDeleteOptions(new DeleteOptionsBuilder().withNewPreconditions().withUid(uid).endPreconditions().build())
          .build());
      return accepted ? Result.EVICTED : Result.BLOCKED;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404 || e.getCode() == 409) {
        return Result.GONE; // deleted, or replaced by another pod of the same name
      }
      throw e;
    }
  }
}
