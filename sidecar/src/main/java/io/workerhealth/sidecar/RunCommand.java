package io.workerhealth.sidecar;

import io.fabric8.kubernetes.client.Config;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.report.ReportingClient;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** The sidecar proper: configured by environment variables (docs/sidecar.md), runs until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Scrape the app's health endpoint and report it into the pod's WorkerHealth (configured by "
        + "WH_* and POD_* environment variables).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped by SIGTERM", "64:the configuration is invalid (every problem is printed)"})
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
      return SidecarMain.USAGE;
    }
    // fabric8 finds in-cluster credentials (and rotates the projected token) or a kubeconfig for local runs; its own
    // request retries are off, so the publisher's backoff is the only one
    Clock clock = Clock.systemUTC();
    ReportingClient api = ReportingClient.build(Config.autoConfigure(null), clock);
    SidecarRunner runner = new SidecarRunner(config, api, clock).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: sending the latest state once more");
      runner.close();
      api.client().close();
      stopped.countDown();
    }, "worker-health-shutdown"));
    stopped.await();
    return 0;
  }
}
