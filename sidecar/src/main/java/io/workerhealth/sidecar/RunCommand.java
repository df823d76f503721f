package io.workerhealth.sidecar;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.workerhealth.sidecar.config.SidecarConfig;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** The sidecar proper: configured by environment variables (docs/sidecar.md), runs until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Scrape the app's health endpoint and report it into the pod's WorkerHealth (configured by "
        + "WH_* and POD_* environment variables).")
public final class RunCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Override
  public Integer call() throws Exception {
    SidecarConfig config;
    try {
      config = SidecarConfig.fromEnv(System.getenv());
    } catch (IllegalArgumentException e) {
      LOG.error(e.getMessage());
      System.err.println(e.getMessage());
      return 2;
    }
    // fabric8 finds in-cluster credentials (and rotates the projected token) or a kubeconfig for local runs.
    KubernetesClient client = new KubernetesClientBuilder().build();
    SidecarRunner runner = new SidecarRunner(config, client, Clock.systemUTC()).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: sending the latest state once more");
      runner.close();
      client.close();
      stopped.countDown();
    }, "worker-health-shutdown"));
    stopped.await();
    return 0;
  }
}
