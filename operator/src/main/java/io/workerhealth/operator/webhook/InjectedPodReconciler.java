package io.workerhealth.operator.webhook;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.workerhealth.operator.injection.PodInjector;
import io.workerhealth.operator.injection.SidecarTemplate;
import io.workerhealth.operator.reconcile.EventRecorder;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Watches pods labelled {@code workerhealth.io/inject=true} (leader only, like every controller here). A pod that
 * came up without its sidecar (the webhook was down or unreachable, and {@code failurePolicy: Ignore} let the pod
 * through) is counted, shown as a gauge while it exists, and reported by a Warning Event on its owner. For a pod
 * with its sidecar, the sidecar ClusterRole is bound to its ServiceAccount.
 */
@ControllerConfiguration(name = "injected-pods", triggerReconcilerOnAllEvents = true,
    informer = @Informer(labelSelector = PodInjector.INJECT_LABEL + "=true"))
public final class InjectedPodReconciler implements Reconciler<Pod> {

  private final WebhookMetrics metrics;
  private final EventRecorder events;
  private final SidecarRoleBindings roleBindings;
  /** UIDs of pods found without their sidecar and reported (each once). */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  /** The informer's cache of labelled pods: the gauge counts from it when scraped, so deleted pods leave it. */
  private volatile IndexedResourceCache<Pod> pods;

  /** @param roleBindings null when the chart binds the sidecar role itself */
  public InjectedPodReconciler(WebhookMetrics metrics, EventRecorder events, SidecarRoleBindings roleBindings) {
    this.metrics = metrics;
    this.events = events;
    this.roleBindings = roleBindings;
  }

  @Override
  public UpdateControl<Pod> reconcile(Pod pod, Context<Pod> context) {
    pods = context.getPrimaryCache();
    String uid = pod.getMetadata().getUid();
    String namespace = pod.getMetadata().getNamespace();
    // the namespace's gauge exists, at 0, once a labelled pod is seen in it
    metrics.missingPods(namespace, () -> countMissing(namespace));
    if (context.isPrimaryResourceDeleted() || pod.getMetadata().getDeletionTimestamp() != null) {
      reported.remove(uid);
      return UpdateControl.noUpdate();
    }
    if (hasSidecar(pod)) {
      if (roleBindings != null) {
        roleBindings.ensure(namespace, pod.getSpec().getServiceAccountName());
      }
      return UpdateControl.noUpdate();
    }
    if (reported.add(uid)) {
      metrics.missedInjection(namespace);
      String message = "pod " + pod.getMetadata().getName() + " is labelled " + PodInjector.INJECT_LABEL
          + "=true but runs without the worker health sidecar: the injection webhook did not answer when it was "
          + "created (failurePolicy Ignore let it through). Recreate it once the webhook runs, e.g. kubectl rollout "
          + "restart.";
      Optional<OwnerReference> owner = Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of())
          .stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst();
      if (owner.isPresent()) {
        OwnerReference o = owner.get();
        events.warning(namespace, o.getKind(), o.getApiVersion(), o.getName(), o.getUid(), "SidecarNotInjected",
            message);
      } else {
        events.on(pod, "Warning", "SidecarNotInjected", message);
      }
    }
    return UpdateControl.noUpdate();
  }

  private int countMissing(String namespace) {
    IndexedResourceCache<Pod> cache = pods;
    if (cache == null) {
      return 0;
    }
    // fabric8's namespace index: the namespace's labelled pods, not a scan of every cached one
    return (int) cache.byIndex(io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX, namespace).stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> !hasSidecar(p)).count();
  }

  static boolean hasSidecar(Pod pod) {
    return Stream.concat(Optional.ofNullable(pod.getSpec().getInitContainers()).orElse(List.of()).stream(),
            Optional.ofNullable(pod.getSpec().getContainers()).orElse(List.of()).stream())
        .map(Container::getName).anyMatch(SidecarTemplate.CONTAINER_NAME::equals);
  }
}
