package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.operator.planning.PolicyDecision;
import io.workerhealth.operator.planning.PolicyObservation;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One reconcile's work for a policy of N pods, without I/O: select the policy's WorkerHealths from a namespace of N
 * (pruned, as the informer holds them), observe them (each pod's workload slot from the pods' cache), decide and
 * report. Prints the median time per reconcile and per pod for N = 1,000 … 20,000: linear in the pods when the time
 * per pod stays flat. Usage: PolicySizeBench [sizes...]
 */
public final class PolicySizeBench {

  /** An API server that holds nothing: the one lookup of each failing pod's ReplicaSet finds none. */
  private static final class API {
    static final KubernetesClient client;

    static {
      KubernetesMockServer server = new KubernetesMockServer(false);
      server.init();
      client = server.createClient();
    }
  }

  public static void main(String[] args) throws Exception {
    int[] sizes = args.length > 0 ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
        : new int[] {1_000, 2_000, 5_000, 10_000, 20_000};
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    PolicySettings settings = PolicySettings.from(spec);
    RemediationPlanner planner = new RemediationPlanner();
    System.out.printf("%8s %14s %14s%n", "pods", "ms/reconcile", "µs/pod");
    // the first pass warms the JIT up over every size; the second is measured
    for (int pass = 0; pass < 2; pass++) {
      for (int n : sizes) {
        double ms = medianMs(n, spec, settings, planner);
        if (pass == 1) {
          System.out.printf("%8d %14.2f %14.2f%n", n, ms, ms * 1000 / n);
        }
      }
    }
  }

  private static double medianMs(int n, WorkerHealthPolicySpec spec, PolicySettings settings,
                                 RemediationPlanner planner) {
    {
      Instant now = Instant.now();
      List<WorkerHealth> healths = new ArrayList<>(n);
      Map<ResourceID, Pod> pods = new HashMap<>();
      for (int i = 0; i < n; i++) {
        String name = "outpost-" + (i / 100) + "-" + i;
        // 1 in 50 failing (young: not acted on, so every round decides the same), the rest healthy
        WorkerHealth wh = HealthFixtures.health(name, Duration.ofSeconds(i % 60),
            i % 50 == 0 ? Duration.ofSeconds(5) : null);
        healths.add(InformerPruning.workerHealth(wh));
        pods.put(new ResourceID(name, "outpost"), InformerPruning.pod(new PodBuilder().withNewMetadata()
            .withName(name).withNamespace("outpost").withUid("uid-" + name).withOwnerReferences(
                new OwnerReferenceBuilder().withKind("ReplicaSet").withName("outpost-" + (i / 100))
                    .withController(true).build()).endMetadata().build()));
      }
      // the failing pods' ReplicaSets are looked up once (rollouts): an empty mock API server answers 404, remembered
      PolicyObserver observer = new PolicyObserver(API.client, null, null);
      PolicyObserver.Pods podCache = HealthFixtures.podCache(pods);
      long[] times = new long[30];
      for (int round = -10; round < times.length; round++) {
        long start = System.nanoTime();
        List<WorkerHealth> selected = healths.stream()
            .filter(wh -> LabelSelectors.matches(spec.getSelector(), wh.getMetadata().getLabels())).toList();
        WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
        PolicyObservation observed = observer.observe("outpost", "p", settings, spec.getSelector(), selected,
            podCache, node -> null, status, now);
        PolicyDecision decision = PolicyDecision.decide(planner, settings, status, observed, 1L);
        decision.remember(status, now);
        PolicyReport.build(status, settings, decision.plan(), observed, null, null, status.getHistory(), 0, 1L,
            new PolicyReport.Told());
        Freshness.nextStale(observed.pods(), settings.staleAfter(), now);
        if (round >= 0) {
          times[round] = System.nanoTime() - start;
        }
      }
      Arrays.sort(times);
      return times[times.length / 2] / 1e6;
    }
  }

  private PolicySizeBench() {}
}
