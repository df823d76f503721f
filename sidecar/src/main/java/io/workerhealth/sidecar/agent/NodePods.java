package io.workerhealth.sidecar.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Where the agent learns of the pods of its node as they come, change and go. */
public interface NodePods extends AutoCloseable {

  /** Starts telling: {@code changed} for a pod added or updated, {@code gone} for one deleted. */
  void start(Consumer<Pod> changed, Consumer<Pod> gone);

  @Override
  void close();

  /**
   * The pods the API server places on {@code nodeName}: an informer whose list and watch carry the field selector
   * {@code spec.nodeName=<node>}, so the API server sends this node's pods only, as it does to kubelet. One informer
   * for all namespaces, or one per namespace listed.
   */
  static NodePods watched(KubernetesClient client, String nodeName, List<String> namespaces) {
    return new NodePods() {
      private final List<SharedIndexInformer<Pod>> informers = new ArrayList<>();

      @Override
      public void start(Consumer<Pod> changed, Consumer<Pod> gone) {
        if (namespaces.isEmpty()) {
          informers.add(client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).inform(handler(changed,
              gone), 0));
        } else {
          for (String ns : namespaces) {
            informers.add(client.pods().inNamespace(ns).withField("spec.nodeName", nodeName).inform(handler(changed,
                gone), 0));
          }
        }
      }

      @Override
      public void close() {
        informers.forEach(SharedIndexInformer::close);
      }
    };
  }

  private static ResourceEventHandler<Pod> handler(Consumer<Pod> changed, Consumer<Pod> gone) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        changed.accept(pod);
      }

      @Override
      public void onUpdate(Pod before, Pod pod) {
        changed.accept(pod);
      }

      @Override
      public void onDelete(Pod pod, boolean finalStateUnknown) {
        gone.accept(pod);
      }
    };
  }
}
