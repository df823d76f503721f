package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RateLimit;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerCondition;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small builders for planner inputs. */
final class Fixtures {

  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  private Fixtures() {}

  static WorkerHealthPolicySpec spec(RemediationRule... rules) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    spec.setRules(new ArrayList<>(List.of(rules)));
    return spec;
  }

  static RemediationRule rule(String name, RemediationAction action, String forDuration, String... workers) {
    RemediationRule r = new RemediationRule();
    r.setName(name);
    r.setAction(action);
    r.setFor(forDuration);
    r.setWorkers(List.of(workers));
    return r;
  }

  static RemediationRule restartConsumers() {
    return rule("restart-consumer", RemediationAction.RestartPod, "30s", "*-consumer");
  }

  static PolicySettings settings(WorkerHealthPolicySpec spec) {
    try {
      return PolicySettings.from(spec);
    } catch (InvalidPolicyException e) {
      throw new AssertionError(e);
    }
  }

  static PolicySettings defaults() {
    return settings(spec(restartConsumers()));
  }

  static PolicySettings with(java.util.function.Consumer<WorkerHealthPolicySpec> change) {
    WorkerHealthPolicySpec spec = spec(restartConsumers());
    change.accept(spec);
    return settings(spec);
  }

  static WorkerHealthPolicySpec unhealthy(WorkerHealthPolicySpec spec, String max) {
    spec.setMaxUnhealthy(max.endsWith("%") ? new IntOrString(max) : new IntOrString(Integer.parseInt(max)));
    return spec;
  }

  static RateLimit rate(int max, String per) {
    return new RateLimit(max, per);
  }

  /** A pod whose sidecar reported {@code ago} before NOW, with workers as name → (status, failing for how long). */
  static PodHealth pod(String name, Duration reportedAgo, Object... workers) {
    WorkerHealthStatus s = new WorkerHealthStatus();
    List<WorkerState> list = new ArrayList<>();
    boolean failed = false;
    boolean other = false;
    for (int i = 0; i < workers.length; i += 3) {
      WorkerStatus status = (WorkerStatus) workers[i + 1];
      Duration since = (Duration) workers[i + 2];
      list.add(new WorkerState((String) workers[i], status, status.name().toLowerCase(), null,
          NOW.minus(since).toString()));
      failed |= status == WorkerStatus.Failed;
      other |= status != WorkerStatus.Healthy;
    }
    s.setWorkers(list);
    s.setPhase(failed ? HealthPhase.Failed : other ? HealthPhase.Degraded : HealthPhase.Healthy);
    s.setLastScrapeTime(NOW.minus(reportedAgo).toString());
    s.setLastSuccessfulScrapeTime(NOW.minus(reportedAgo).toString());
    return new PodHealth(name, "uid-" + name, "ReplicaSet/" + name.replaceAll("-[^-]+$", ""), false, 5, s);
  }

  static PodHealth healthy(String name) {
    return pod(name, Duration.ofSeconds(3), "http-server", WorkerStatus.Healthy, Duration.ofHours(1),
        "deliverymq-consumer", WorkerStatus.Healthy, Duration.ofHours(1));
  }

  static PodHealth failing(String name, Duration failingFor) {
    return pod(name, Duration.ofSeconds(3), "http-server", WorkerStatus.Healthy, Duration.ofHours(1),
        "deliverymq-consumer", WorkerStatus.Failed, failingFor);
  }

  static PodHealth inSlot(PodHealth p, String slot) {
    return new PodHealth(p.pod(), p.podUid(), slot, p.excluded(), p.intervalSeconds(), p.status());
  }

  static PodHealth excluded(PodHealth p) {
    return new PodHealth(p.pod(), p.podUid(), p.slot(), true, p.intervalSeconds(), p.status());
  }

  static RemediationRecord record(PodHealth pod, RemediationOutcome outcome, Duration ago) {
    RemediationRecord r = new RemediationRecord();
    r.setPod(pod.pod());
    r.setPodUID(pod.podUid());
    r.setSlot(pod.slot());
    r.setWorker("deliverymq-consumer");
    r.setRule("restart-consumer");
    r.setAction(RemediationAction.RestartPod);
    r.setTime(NOW.minus(ago).toString());
    r.setOutcome(outcome);
    return r;
  }

  static List<WorkerCondition> when(WorkerCondition... c) {
    return List.of(c);
  }
}
