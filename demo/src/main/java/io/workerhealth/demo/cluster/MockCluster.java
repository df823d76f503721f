package io.workerhealth.demo.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Optional;

/**
 * fabric8's mock API server in CRUD mode (objects are stored, listed, watched and patched as on a real one), with
 * evictions, and {@link MockControllers} in place of kube-controller-manager. Needs nothing but the JVM.
 */
public final class MockCluster implements DemoCluster {

  private final KubernetesMockServer server;
  private final Clock clock;
  private MockControllers controllers;
  private java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.Pod> admission = pod -> pod;

  private MockCluster(KubernetesMockServer server, Clock clock) {
    this.server = server;
    this.clock = clock;
  }

  public static MockCluster start(Clock clock) {
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new SubresourceCrudDispatcher(), false);
    server.init();
    return new MockCluster(server, clock);
  }

  @Override
  public String description() {
    return "the fabric8 mock API server (CRUD mode) at " + server.url("/").replaceAll("/$", "")
        + ", with a stand-in ReplicaSet controller and garbage collector";
  }

  @Override
  public KubernetesClient newClient() {
    return server.createClient();
  }

  @Override
  public Optional<Path> kubeconfig() {
    return Optional.empty();
  }

  @Override
  public synchronized void startControllers(String namespace, String deployment) {
    if (controllers == null) {
      controllers = new MockControllers(newClient(), namespace, deployment, clock, admission).start();
    }
  }

  @Override
  public synchronized void admitPodsWith(java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.Pod> a) {
    admission = a;
  }

  @Override
  public synchronized void close() {
    if (controllers != null) {
      controllers.close();
    }
    server.destroy();
  }
}
