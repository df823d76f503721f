package io.workerhealth.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.webhook.InjectionSettings;
import io.workerhealth.operator.webhook.InjectionWebhook;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

/** The operator proper: configured by WH_* environment variables (docs/operator.md), runs until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Reconcile WorkerHealthPolicies (configured by WH_* environment variables).")
public final class RunCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Override
  public Integer call() throws Exception {
    OperatorSettings settings;
    InjectionSettings injection;
    try {
      settings = OperatorSettings.fromEnv(System.getenv());
      injection = InjectionSettings.fromEnv(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    WorkerHealthOperator operator = new WorkerHealthOperator(client, settings, Clock.systemUTC());
    InjectionWebhook webhook = null;
    if (injection.enabled()) {
      try {
        webhook = new InjectionWebhook(client, injection, operator.metrics().registry(), Clock.systemUTC());
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage()); // a wrong injection default: the same message a pod would get
        return 2;
      }
      operator.register(webhook.detector(Clock.systemUTC()));
      webhook.start();
    }
    operator.start();
    InjectionWebhook injector = webhook;
    LOG.info("reconciling WorkerHealthPolicies in {}{}; admin endpoints on port {}",
        settings.watchNamespaces().isEmpty() ? "all namespaces" : settings.watchNamespaces(),
        settings.shardSelector() == null ? "" : " labelled " + settings.shardSelector() + " (lease "
            + settings.leaseName() + ")", operator.adminPort());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (injector != null) {
        injector.close();
      }
      operator.close();
      client.close();
      stopped.countDown();
    }, "worker-health-shutdown"));
    stopped.await();
    return 0;
  }
}
