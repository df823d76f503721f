package io.workerhealth.sidecar;

import io.fabric8.kubernetes.client.Config;
import io.workerhealth.sidecar.agent.AgentConfig;
import io.workerhealth.sidecar.agent.NodeAgent;
import io.workerhealth.sidecar.agent.NodePods;
import io.workerhealth.sidecar.report.ReportingClient;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** The node agent: configured by environment variables (docs/agent.md), runs until SIGTERM. */
@Command(name = "agent", mixinStandardHelpOptions = true,
    description = "Scrape the pods of this node that ask for it (workerhealth.io/scrape: \"true\") and report each "
        + "into its WorkerHealth; renew the node's Lease (configured by NODE_NAME, POD_*, WH_* environment "
        + "variables).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped by SIGTERM", "1:could not start (the API server refused or failed)",
        "64:the configuration is invalid (every problem is printed)"})
public final class AgentCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);

  @Override
  public Integer call() throws Exception {
    AgentConfig config;
    try {
      config = AgentConfig.fromEnv(System.getenv());
    } catch (IllegalArgumentException e) {
      LOG.error(e.getMessage());
      System.err.println(e.getMessage());
      return SidecarMain.USAGE;
    }
    // the publishers' backoff is the only one between the agent and the API server (see ReportingClient)
    Clock clock = Clock.systemUTC();
    ReportingClient api = ReportingClient.build(Config.autoConfigure(null), clock);
    NodeAgent agent = new NodeAgent(config, api, NodePods.watched(api.client(), config.nodeName(),
        config.watchNamespaces()), clock,
        new Random());
    agent.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: sending the latest states once more");
      agent.close();
      api.client().close();
      stopped.countDown();
    }, "worker-health-shutdown"));
    stopped.await();
    return 0;
  }
}
