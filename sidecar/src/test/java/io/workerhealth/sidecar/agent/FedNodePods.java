package io.workerhealth.sidecar.agent;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.function.Consumer;

/**
 * The pods of a node as a test tells them, in place of the informer (the fabric8 mock API server does not select by
 * {@code spec.nodeName}; the E2E runs the informer against a real API server).
 */
final class FedNodePods implements NodePods {

  private Consumer<Pod> changed = p -> { };
  private Consumer<Pod> gone = p -> { };

  @Override
  public void start(Consumer<Pod> changed, Consumer<Pod> gone) {
    this.changed = changed;
    this.gone = gone;
  }

  void changed(Pod pod) {
    changed.accept(pod);
  }

  void gone(Pod pod) {
    gone.accept(pod);
  }

  @Override
  public void close() {
    changed = p -> { };
  }
}
