package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.Scalable;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and changes scale targets through their scale subresource, and finds the autoscalers that drive them. The
 * apps/v1 workloads use their typed clients; any other kind goes through API discovery, so anything with a scale
 * subresource works.
 */
public class TargetScaler {

  /** KEDA's ScaledObject; its CRD may be absent, which means "no KEDA". */
  static final ResourceDefinitionContext SCALED_OBJECTS = new ResourceDefinitionContext.Builder()
      .withGroup("keda.sh").withVersion("v1alpha1").withKind("ScaledObject").withPlural("scaledobjects")
      .withNamespaced(true).build();

  /** What a scale request came to. */
  public enum Result {
    /** The replicas were set. */
    SCALED,
    /** The target already had the replicas asked for (an operator restarted after scaling finds this). */
    ALREADY,
    /** The target's replicas are neither the ones the decision started from nor the ones asked for: someone else
     *  changed them; nothing was done. */
    CHANGED
  }

  private final KubernetesClient client;

  public TargetScaler(KubernetesClient client) {
    this.client = client;
  }

  /** The target's replicas and the autoscaler driving it, or the problem reading it; never throws. */
  public ScaleTargetObservation observe(String namespace, ScaleTargetRef ref) {
    String key = ref.key();
    Integer replicas;
    try {
      Scale scale = scalable(namespace, ref).scale();
      if (scale == null || scale.getSpec() == null) {
        return new ScaleTargetObservation(key, null, null, ref.getKind() + " " + ref.getName() + " not found in "
            + namespace);
      }
      replicas = scale.getSpec().getReplicas() == null ? 0 : scale.getSpec().getReplicas();
    } catch (KubernetesClientException e) {
      return new ScaleTargetObservation(key, null, null, e.getCode() == 404
          ? ref.getKind() + " " + ref.getName() + " not found in " + namespace + " (or it has no scale subresource)"
          : "reading its scale subresource failed: " + message(e));
    } catch (RuntimeException e) {
      return new ScaleTargetObservation(key, null, null, message(e));
    }
    try {
      return new ScaleTargetObservation(key, replicas, drivenBy(namespace, ref), null);
    } catch (KubernetesClientException e) {
      // without knowing, scaling could fight an autoscaler: refuse
      return new ScaleTargetObservation(key, replicas, null, "cannot check for autoscalers: " + message(e));
    }
  }

  /** The HorizontalPodAutoscaler or KEDA ScaledObject driving the target ({@code Kind/name}), or null. */
  String drivenBy(String namespace, ScaleTargetRef ref) {
    for (HorizontalPodAutoscaler hpa : client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(namespace)
        .list().getItems()) {
      var target = hpa.getSpec() == null ? null : hpa.getSpec().getScaleTargetRef();
      if (target != null && ref.getKind().equals(target.getKind()) && ref.getName().equals(target.getName())) {
        return "HorizontalPodAutoscaler/" + hpa.getMetadata().getName();
      }
    }
    List<GenericKubernetesResource> scaledObjects;
    try {
      scaledObjects = client.genericKubernetesResources(SCALED_OBJECTS).inNamespace(namespace).list().getItems();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return null; // KEDA is not installed
      }
      throw e;
    }
    for (GenericKubernetesResource so : scaledObjects) {
      Object spec = so.getAdditionalProperties().get("spec");
      Object target = spec instanceof Map<?, ?> m ? m.get("scaleTargetRef") : null;
      if (target instanceof Map<?, ?> t) {
        String kind = Objects.toString(t.get("kind"), "Deployment");
        if (ref.getKind().equals(kind) && ref.getName().equals(t.get("name"))) {
          return "ScaledObject/" + so.getMetadata().getName();
        }
      }
    }
    return null;
  }

  /**
   * Sets the replicas through the scale subresource, if they are still {@code from}. The write carries the
   * resourceVersion read, so a concurrent change fails with a conflict instead of being overwritten.
   */
  public Result scale(String namespace, ScaleTargetRef ref, int from, int to) {
    Scalable<?> target = scalable(namespace, ref);
    Scale scale = target.scale();
    if (scale == null || scale.getSpec() == null) {
      throw new IllegalStateException(ref.getKind() + " " + ref.getName() + " not found in " + namespace);
    }
    int current = scale.getSpec().getReplicas() == null ? 0 : scale.getSpec().getReplicas();
    if (current == to) {
      return Result.ALREADY;
    }
    if (current != from) {
      return Result.CHANGED;
    }
    scale.getSpec().setReplicas(to);
    target.scale(scale);
    return Result.SCALED;
  }

  private Scalable<?> scalable(String namespace, ScaleTargetRef ref) {
    if ("apps/v1".equals(ref.getApiVersion())) {
      switch (ref.getKind()) {
        case "Deployment" -> {
          return client.apps().deployments().inNamespace(namespace).withName(ref.getName());
        }
        case "StatefulSet" -> {
          return client.apps().statefulSets().inNamespace(namespace).withName(ref.getName());
        }
        case "ReplicaSet" -> {
          return client.apps().replicaSets().inNamespace(namespace).withName(ref.getName());
        }
        default -> { }
      }
    }
    Resource<GenericKubernetesResource> generic;
    try {
      generic = client.genericKubernetesResources(ref.getApiVersion(), ref.getKind()).inNamespace(namespace)
          .withName(ref.getName());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("kind " + ref.getKind() + " of " + ref.getApiVersion()
          + " is not served by the API server: " + message(e), e);
    }
    return generic;
  }

  private static String message(Exception e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m.length() > 300 ? m.substring(0, 300) : m;
  }
}
