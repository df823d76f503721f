package io.workerhealth.sidecar.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.function.Consumer;

/** Where the agent learns of the pods of its node as they come, change and go. */
public interface NodePods extends AutoCloseable {

  /** Starts telling: {@code changed} for a pod added or updated, {@code gone} for one deleted. */
  void start(Consumer<Pod> changed, Consumer<Pod> gone);

  @Override
  void close();

  /**
   * The pods the API server places on {@code nodeName}: an informer whose list and watch carry the field selector
   * {@code spec.nodeName=<node>}, so the API server sends this node's pods only, as it does to kubelet.
   */
  static NodePods watched(KubernetesClient client, String nodeName) {
    return new NodePods() {
      private SharedIndexInformer<Pod> informer;

      @Override
      public void start(Consumer<Pod> changed, Consumer<Pod> gone) {
        informer = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName)
            .inform(new ResourceEventHandler<>() {
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
            }, 0);
      }

      @Override
      public void close() {
        if (informer != null) {
          informer.close();
        }
      }
    };
  }
}
