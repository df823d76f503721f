package io.workerhealth.demo;

import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.demo.controlplane.LocalNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Brings a one-node cluster up on this machine and keeps it until Ctrl-C, printing the admin kubeconfig:
 * {@code bash scripts/node.sh}, which provides the binaries and images first. Argument: the work directory (default:
 * a new temporary one); the components' logs are there, this program's own in {@code cluster.log}. Exit code 2 when
 * the cluster cannot start (what is missing is printed).
 */
public final class LocalClusterMain {

  private LocalClusterMain() {}

  public static void main(String[] args) throws Exception {
    Path workDirectory = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("worker-health-node-");
    Files.createDirectories(workDirectory);
    DemoLogging.toFile(workDirectory.resolve("cluster.log"));
    System.out.println("Starting a one-node cluster in " + workDirectory.toAbsolutePath() + " ...");
    LocalControlPlane cluster;
    try {
      // scripts/node.sh runs in the checkout whose images scripts/control-plane.sh --images built
      cluster = LocalControlPlane.startWithNode(ControlPlaneBinaries.locate(), workDirectory,
          Path.of("").toAbsolutePath());
    } catch (RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
      return;
    }
    LocalNode node = cluster.node().orElseThrow();
    System.out.printf(Locale.ROOT, "Up in %.1f s (images imported in %.1f s): node %s, API server %s%n",
        cluster.startupTime().toMillis() / 1000.0, node.imageImportTime().toMillis() / 1000.0, node.nodeName(),
        cluster.serverUrl());
    System.out.println("Images on the node: " + String.join(", ", node.images()));
    System.out.println("Ctrl-C stops it and undoes its changes to this host.");
    System.out.println("export KUBECONFIG=" + cluster.adminKubeconfig());
    new CountDownLatch(1).await(); // until Ctrl-C; the shutdown hook stops the cluster
  }
}
