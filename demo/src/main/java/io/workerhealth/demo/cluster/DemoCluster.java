package io.workerhealth.demo.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.Optional;

/** The Kubernetes API the demo runs against, and whatever plays the controllers a cluster would run. */
public interface DemoCluster extends AutoCloseable {

  /** One line for the user: what this API is and where it listens. */
  String description();

  /** A new client with full rights; the caller closes it. */
  KubernetesClient newClient();

  /** A kubeconfig kubectl can use, when there is a real API server to point it at. */
  Optional<Path> kubeconfig();

  /** Whether a kubelet runs the pods' containers (a real node); else the demo runs them in this JVM. */
  default boolean runsPods() {
    return false;
  }

  /**
   * Starts what keeps the Deployment's pods in place (the ReplicaSet controller and the garbage collector); on a
   * real control plane kube-controller-manager does that already.
   */
  void startControllers(String namespace, String deployment);

  /**
   * Whether the API server calls admission webhooks itself (a real one does); otherwise pods pass through
   * {@link #admitPodsWith} when the stand-in controllers create them.
   */
  default boolean callsWebhooks() {
    return false;
  }

  /** What a mutating admission webhook would do to each pod created (call before {@link #startControllers}). */
  default void admitPodsWith(java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.Pod> admission) {
  }

  @Override
  void close();
}
