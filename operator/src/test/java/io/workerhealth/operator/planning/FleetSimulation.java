package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet of pods of one ReplicaSet that depend on a broker, played round by round against the decide step exactly
 * as the operator runs it: {@link PolicyDecision#decide}, {@link PolicyDecision#remember}, the intents written first
 * into the history (newest first), evictions carried out, and the conditions the report writes. So the histories the
 * planner reads here are the ones the operator writes.
 *
 * <p>The app behaves like hookdeck/outpost when {@link #recoversByItself} is false: its consumer fails while the
 * broker is down and never recovers by itself, and a pod started while the broker is down cannot start (its
 * endpoint is unreachable). With {@link #recoversByItself} its consumers come back with the broker.
 */
final class FleetSimulation {

  static final String SLOT = "ReplicaSet/shop-7d9f8c";
  static final String WORKER = "deliverymq-consumer";

  enum State { HEALTHY, FAILED, UNREACHABLE }

  static final class SimPod {
    final String name;
    final String uid;
    final Instant created;
    State state;
    Instant since;

    SimPod(String name, Instant created, State state) {
      this.name = name;
      this.uid = "uid-" + name;
      this.created = created;
      this.state = state;
      this.since = created;
    }
  }

  final RemediationPlanner planner = new RemediationPlanner();
  final PolicySettings policy;
  Instant now;
  boolean brokerUp = true;
  boolean recoversByItself;
  /** A kubelet restarting a pod that could not start, this long after it failed (null: never). */
  Duration kubeletRetry;
  final Map<String, SimPod> pods = new LinkedHashMap<>();
  final WorkerHealthPolicyStatus status = new WorkerHealthPolicyStatus();
  /** Every eviction carried out, in order. */
  final List<RemediationRecord> evicted = new ArrayList<>();
  private int next;
  Plan last;

  FleetSimulation(PolicySettings policy, Instant start, int replicas) {
    this.policy = policy;
    this.now = start;
    for (int i = 0; i < replicas; i++) {
      SimPod p = new SimPod(podName(), start.minus(Duration.ofHours(1)), State.HEALTHY);
      pods.put(p.name, p);
    }
    status.setObservedGeneration(1L);
  }

  private String podName() {
    return "shop-7d9f8c-" + (char) ('a' + next / 26) + (char) ('a' + next++ % 26);
  }

  void brokerDown() {
    brokerUp = false;
    for (SimPod p : pods.values()) {
      if (p.state == State.HEALTHY) {
        p.state = State.FAILED;
        p.since = now;
      }
    }
  }

  void brokerBack() {
    brokerUp = true;
    if (recoversByItself) {
      for (SimPod p : pods.values()) {
        if (p.state == State.FAILED) {
          p.state = State.HEALTHY;
          p.since = now;
        }
      }
    }
  }

  /** Time passes; a kubelet restarts pods that could not start, when asked to. */
  void advance(Duration d) {
    now = now.plus(d);
    if (kubeletRetry != null && brokerUp) {
      for (SimPod p : pods.values()) {
        if (p.state == State.UNREACHABLE && !p.since.plus(kubeletRetry).isAfter(now)) {
          p.state = State.HEALTHY;
          p.since = now;
        }
      }
    }
  }

  /** One reconcile. */
  Plan round() {
    return round(null);
  }

  Plan round(DependencyObservation dependency) {
    List<PodHealth> observed = new ArrayList<>();
    for (SimPod p : pods.values()) {
      observed.add(new PodHealth(p.name, p.uid, SLOT, false, 5, health(p), p.created, true, null));
    }
    PolicyDecision decision = PolicyDecision.decide(planner, policy, status,
        new PolicyObservation(now, observed, Map.of(), List.of(), dependency), 1L);
    decision.remember(status, now);
    List<RemediationRecord> intents = decision.intents(now);
    List<RemediationRecord> history = new ArrayList<>(intents);
    history.addAll(status.getHistory());
    status.setHistory(history);
    for (RemediationRecord r : intents) {
      if (r.getOutcome() == RemediationOutcome.Pending && r.getAction() == RemediationAction.RestartPod) {
        r.setOutcome(RemediationOutcome.Succeeded);
        evicted.add(r);
        pods.remove(r.getPod());
        SimPod replacement = new SimPod(podName(), now, brokerUp ? State.HEALTHY : State.UNREACHABLE);
        pods.put(replacement.name, replacement);
      }
    }
    Plan plan = decision.plan();
    status.setConditions(new ArrayList<>(List.of(new ConditionBuilder().withType("RemediationAllowed")
        .withStatus(plan.remediationAllowed() ? "True" : "False")
        .withReason(plan.remediationAllowed() ? "WithinLimits" : plan.suppressed().name()).build())));
    last = plan;
    return plan;
  }

  /** Rounds every {@code step} for {@code total}; returns the evictions made meanwhile. */
  List<RemediationRecord> run(Duration total, Duration step) {
    int before = evicted.size();
    for (Duration t = Duration.ZERO; t.compareTo(total) < 0; t = t.plus(step)) {
      advance(step);
      round();
    }
    return new ArrayList<>(evicted.subList(before, evicted.size()));
  }

  long healthy() {
    return pods.values().stream().filter(p -> p.state == State.HEALTHY).count();
  }

  WorkerHealthStatus health(SimPod p) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setLastScrapeTime(now.minusSeconds(1).toString());
    if (p.state == State.UNREACHABLE) {
      s.setPhase(HealthPhase.Unreachable);
      s.setScrapeError(new ScrapeError(ScrapeErrorReason.ConnectionRefused, "connection refused"));
      s.setConsecutiveFailures(3);
      s.setWorkers(new ArrayList<>());
      return s;
    }
    s.setLastSuccessfulScrapeTime(now.minusSeconds(1).toString());
    boolean failed = p.state == State.FAILED;
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setWorkers(new ArrayList<>(List.of(
        new WorkerState("http-server", WorkerStatus.Healthy, "healthy", null, p.created.toString()),
        new WorkerState(WORKER, failed ? WorkerStatus.Failed : WorkerStatus.Healthy, failed ? "failed" : "healthy",
            null, p.since.toString()))));
    return s;
  }
}
