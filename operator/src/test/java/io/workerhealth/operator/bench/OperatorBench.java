package io.workerhealth.operator.bench;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import io.workerhealth.operator.reconcile.WorkerHealthPolicyReconciler;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Operator benchmark: P policies each selecting N WorkerHealths (default 50 × 100 = 5,000) in the mock API server;
 * then, one at a time, a worker of a random pod fails and the time from that status write to the eviction request
 * reaching the API server is measured. Reports p50/p99 and the heap used after a full GC.
 * Usage: OperatorBench [policies] [podsPerPolicy] [trials]
 */
public final class OperatorBench {

  public static void main(String[] args) throws Exception {
    int policies = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int perPolicy = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int trials = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    String ns = "bench";
    // the mock server logs every request; at this scale that would be what is measured
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    Map<io.fabric8.mockwebserver.ServerRequest, java.util.Queue<io.fabric8.mockwebserver.ServerResponse>> responses =
        new HashMap<>();
    KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
        new KubernetesMixedDispatcher(responses), false);
    server.init(java.net.InetAddress.getLoopbackAddress(), 0);
    KubernetesClient setup = server.createClient();

    long t0 = System.nanoTime();
    for (int p = 0; p < policies; p++) {
      WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
      spec.setSelector(new LabelSelector(null, Map.of("policy", "p" + p)));
      RemediationRule rule = new RemediationRule();
      rule.setName("restart-consumer");
      rule.setWorkers(List.of("*-consumer"));
      rule.setFor("30s");
      rule.setAction(RemediationAction.RestartPod);
      spec.setRules(new ArrayList<>(List.of(rule)));
      spec.setRateLimit(new io.workerhealth.api.v1alpha1.RateLimit(1000, "1h"));
      WorkerHealthPolicy policy = new WorkerHealthPolicy();
      policy.getMetadata().setName("p" + p);
      policy.getMetadata().setNamespace(ns);
      policy.setSpec(spec);
      setup.resource(policy).create();
      for (int i = 0; i < perPolicy; i++) {
        WorkerHealth wh = new WorkerHealth();
        wh.getMetadata().setName("pod-" + p + "-" + i);
        wh.getMetadata().setNamespace(ns);
        wh.getMetadata().setLabels(Map.of("policy", "p" + p, "app", "outpost"));
        wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
            .withName(wh.getMetadata().getName()).withUid("uid-" + p + "-" + i).build()));
        wh.setStatus(status(false, Instant.now()));
        setup.resource(wh).create();
      }
    }
    System.out.printf("created %d policies and %d WorkerHealths in %d ms%n", policies, policies * perPolicy,
        (System.nanoTime() - t0) / 1_000_000);

    KubernetesClient operatorClient = server.createClient();
    WorkerHealthOperator operator = new WorkerHealthOperator(operatorClient,
        new OperatorSettings(0, List.of(), false, "l", null), Clock.systemUTC(),
        new WorkerHealthPolicyReconciler.Timings(Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(60)))
        .start();
    // let the first round of reconciles settle
    TimeUnit.SECONDS.sleep(10);

    List<Long> latencies = new ArrayList<>();
    java.util.Random random = new java.util.Random(42);
    for (int t = 0; t < trials; t++) {
      int p = t % policies;
      int i = (t / policies * 37 + random.nextInt(7)) % perPolicy; // distinct pods per policy across trials
      String pod = "pod-" + p + "-" + i;
      CompletableFuture<Long> evicted = new CompletableFuture<>();
      server.expect().post().withPath("/api/v1/namespaces/" + ns + "/pods/" + pod + "/eviction")
          .andReply(201, r -> {
            evicted.complete(System.nanoTime());
            return "{}";
          }).once();
      WorkerHealth wh = setup.resources(WorkerHealth.class).inNamespace(ns).withName(pod).get();
      wh.setStatus(status(true, Instant.now()));
      long start = System.nanoTime();
      setup.resource(wh).updateStatus();
      long at = evicted.get(30, TimeUnit.SECONDS);
      latencies.add(at - start);
      // the pod is gone: its WorkerHealth is garbage collected with it
      setup.resources(WorkerHealth.class).inNamespace(ns).withName(pod).delete();
    }
    latencies.sort(Long::compare);
    System.gc();
    TimeUnit.SECONDS.sleep(1);
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    System.out.printf("status change -> eviction request over %d trials: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        trials, pct(latencies, 50), pct(latencies, 99), latencies.get(latencies.size() - 1) / 1e6);
    System.out.printf("heap after GC with %d WorkerHealths and %d policies (mock API server in the same JVM): %.1f MiB%n",
        policies * perPolicy, policies, heap / 1024.0 / 1024.0);
    operator.close();
    server.destroy();
    System.exit(0);
  }

  private static double pct(List<Long> sorted, int p) {
    int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, idx)) / 1e6;
  }

  private static WorkerHealthStatus status(boolean failed, Instant now) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setLastScrapeTime(now.toString());
    s.setLastSuccessfulScrapeTime(now.toString());
    s.setWorkers(new ArrayList<>(List.of(
        new WorkerState("http-server", WorkerStatus.Healthy, "healthy", null, now.minusSeconds(3600).toString()),
        new WorkerState("deliverymq-consumer", failed ? WorkerStatus.Failed : WorkerStatus.Healthy,
            failed ? "failed" : "healthy", null, now.minusSeconds(failed ? 60 : 3600).toString()))));
    s.setReady(failed ? "1/2" : "2/2");
    return s;
  }

  private OperatorBench() {}
}
