package io.workerhealth.demo.cluster;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real control plane ({@link LocalControlPlane}: etcd, kube-apiserver, kube-controller-manager) with the project's
 * CRDs installed. Its ReplicaSet controller replaces evicted pods and its garbage collector removes their
 * WorkerHealths. Started on loopback, there is no kubelet: pods stay Pending and the demo runs their containers in this
 * JVM. Started with a node ({@link #startWithNode}), the kubelet runs them in containers.
 */
public final class ControlPlaneCluster implements DemoCluster {

  /** The generated CRDs, copied onto the classpath by the build. */
  static final List<String> CRD_RESOURCES = List.of("crds/workerhealths.workerhealth.io-v1.yml",
      "crds/workerhealthpolicies.workerhealth.io-v1.yml");
  private static final Duration CRD_TIMEOUT = Duration.ofSeconds(60);

  private final LocalControlPlane controlPlane;

  private ControlPlaneCluster(LocalControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @Override
  public boolean callsWebhooks() {
    return true;
  }

  public static ControlPlaneCluster start(ControlPlaneBinaries binaries, Path workDirectory) {
    return installCrds(LocalControlPlane.start(binaries, workDirectory));
  }

  /** A one-node cluster: the control plane, kube-scheduler and a node running the images of this checkout. */
  public static ControlPlaneCluster startWithNode(ControlPlaneBinaries binaries, Path workDirectory,
                                                  Path repository) {
    return installCrds(LocalControlPlane.startWithNode(binaries, workDirectory, repository));
  }

  private static ControlPlaneCluster installCrds(LocalControlPlane controlPlane) {
    try (KubernetesClient client = controlPlane.adminClient()) {
      for (String resource : CRD_RESOURCES) {
        try (InputStream in = ControlPlaneCluster.class.getClassLoader().getResourceAsStream(resource)) {
          if (in == null) {
            throw new IllegalStateException("no " + resource + " on the classpath");
          }
          CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(in,
              CustomResourceDefinition.class);
          client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
          awaitEstablished(client, crd.getMetadata().getName());
        }
      }
      return new ControlPlaneCluster(controlPlane);
    } catch (IOException | RuntimeException e) {
      controlPlane.close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException(io);
      }
      throw (RuntimeException) e;
    }
  }

  private static void awaitEstablished(KubernetesClient client, String name) {
    client.apiextensions().v1().customResourceDefinitions().withName(name).waitUntilCondition(crd -> crd != null
        && crd.getStatus() != null && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream().anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())),
        CRD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  @Override
  public String description() {
    return controlPlane.node().map(node -> String.format(java.util.Locale.ROOT, "a one-node cluster (etcd,"
            + " kube-apiserver, kube-controller-manager, kube-scheduler; node %s: kubelet, containerd, kube-proxy)"
            + " at %s, up in %.1fs", node.nodeName(), controlPlane.serverUrl(),
            controlPlane.startupTime().toMillis() / 1000.0))
        .orElse("a local control plane (etcd, kube-apiserver, kube-controller-manager) at " + controlPlane.serverUrl());
  }

  @Override
  public boolean runsPods() {
    return controlPlane.node().isPresent();
  }

  @Override
  public KubernetesClient newClient() {
    return controlPlane.adminClient();
  }

  @Override
  public Optional<Path> kubeconfig() {
    return Optional.of(controlPlane.adminKubeconfig());
  }

  @Override
  public void startControllers(String namespace, String deployment) {
    // kube-controller-manager runs the ReplicaSet controller and the garbage collector
  }

  @Override
  public void close() {
    controlPlane.close();
  }
}
