package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RateLimit;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RecoveryStatus;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The safety limits hold over random fleets and random remediation histories. */
class RemediationPlannerProperties {

  /** A fleet, its history and where an outage recovery stood (null: none). */
  record Scenario(PolicySettings policy, List<PodHealth> pods, List<RemediationRecord> history,
                  RecoveryStatus recovery) {}

  final RemediationPlanner planner = new RemediationPlanner();

  Plan plan(Scenario s) {
    return plan(s, s.pods(), null);
  }

  Plan plan(Scenario s, List<PodHealth> pods, Instant settleSince) {
    return planner.plan(s.policy(), new PlanInputs(pods, s.history(), settleSince, null, null, null)
        .withRecovery(s.recovery()), NOW);
  }

  @Property(tries = 400)
  void neverMoreThanMaxConcurrentInFlight(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);
    long acting = realActions(plan).size();
    if (acting > 0) {
      assertThat(plan.inFlight() + acting).isLessThanOrEqualTo(s.policy().maxConcurrent());
    }
  }

  @Property(tries = 400)
  void whenMorePodsFailThanMaxUnhealthyAllowsOnlyTheOutageRecoveryRestartsAndOneCanaryAtATime(
      @ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);
    if (s.policy().paused()) {
      assertThat(plan.actions()).isEmpty();
    }
    if (plan.counts().failing() > s.policy().allowedUnhealthy(s.pods().size())) {
      assertThat(plan.actions()).allSatisfy(d -> assertThat(d.recovery()).isNotNull());
      if (s.recovery() == null) {
        assertThat(plan.actions()).as("held first: nothing before recovery.after").isEmpty();
      }
    }
    assertThat(plan.actions().stream().filter(d -> d.recovery() == RecoveryPhase.Canary).count())
        .isLessThanOrEqualTo(1);
    boolean canaryInFlight = s.history().stream().anyMatch(r -> r.getRecovery() == RecoveryPhase.Canary
        && r.getVerification() == null && (r.getOutcome() == RemediationOutcome.Pending
            || r.getOutcome() == RemediationOutcome.Succeeded));
    if (canaryInFlight) {
      assertThat(plan.actions()).noneSatisfy(d -> assertThat(d.recovery()).isEqualTo(RecoveryPhase.Canary));
    }
  }

  @Property(tries = 400)
  void neverOnStaleDataNorExcludedNorBarePodsNorMidRolloutNorBeforeFor(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);
    Map<String, PodHealth> byName = s.pods().stream().collect(Collectors.toMap(PodHealth::pod, p -> p));
    for (Plan.Decision d : plan.actions()) {
      PodHealth pod = byName.get(d.pod());
      assertThat(pod.excluded()).isFalse();
      assertThat(RemediationPlanner.isFresh(pod.status(), s.policy().staleAfter(), NOW)).isTrue();
      if (d.action() == RemediationAction.RestartPod) {
        assertThat(pod.bare()).isFalse();
        assertThat(pod.rollout()).isNull();
      }
      PolicySettings.Rule rule = s.policy().rules().stream().filter(r -> r.name().equals(d.rule())).findFirst()
          .orElseThrow();
      assertThat(d.failingSince().plus(rule.forDuration())).isBeforeOrEqualTo(NOW);
    }
  }

  @Property(tries = 400)
  void cooldownAndRateLimitAlwaysHold(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);
    List<Plan.Decision> acting = realActions(plan);
    Set<RemediationOutcome> acted = Set.of(RemediationOutcome.Succeeded, RemediationOutcome.Pending);
    // restarts of an outage recovery are exempt from the slot's cooldown; the others wait at least the cooldown
    for (Plan.Decision d : acting.stream().filter(d -> d.recovery() == null).toList()) {
      boolean recentInSlot = s.history().stream().anyMatch(r -> acted.contains(r.getOutcome())
          && r.getRecovery() == null && d.slot().equals(r.getSlot())
          && Instant.parse(r.getTime()).plus(s.policy().cooldown()).isAfter(NOW));
      assertThat(recentInSlot).as("cooldown of %s", d.slot()).isFalse();
    }
    assertThat(acting.stream().filter(d -> d.recovery() == null).map(Plan.Decision::slot).distinct().count())
        .isEqualTo(acting.stream().filter(d -> d.recovery() == null).count());
    // rolling restarts of an outage recovery are verified one by one instead of rate limited
    List<Plan.Decision> limited = acting.stream().filter(d -> d.recovery() != RecoveryPhase.Rolling).toList();
    if (!limited.isEmpty()) {
      long recent = s.history().stream().filter(r -> acted.contains(r.getOutcome())
          && Instant.parse(r.getTime()).isAfter(NOW.minus(s.policy().rateLimitPer()))).count();
      assertThat(recent + limited.size()).isLessThanOrEqualTo(s.policy().rateLimitMax());
    }
  }

  @Property(tries = 300)
  void neverBeforeTheConditionHeldForAfterAnOutageEnded(@ForAll("scenarios") Scenario s,
                                                        @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 300) int endedAgo) {
    Instant settleSince = NOW.minusSeconds(endedAgo);
    Plan plan = plan(s, s.pods(), settleSince);
    for (Plan.Decision d : plan.actions().stream().filter(d -> d.recovery() == null).toList()) {
      PolicySettings.Rule rule = s.policy().rules().stream().filter(r -> r.name().equals(d.rule())).findFirst()
          .orElseThrow();
      assertThat(settleSince.plus(rule.forDuration())).isBeforeOrEqualTo(NOW);
    }
  }

  @Property(tries = 200)
  void sameInputsSameDecisionsInAnyOrder(@ForAll("scenarios") Scenario s, @ForAll long seed) {
    Plan first = plan(s);
    List<PodHealth> shuffled = new ArrayList<>(s.pods());
    Collections.shuffle(shuffled, new Random(seed));
    assertThat(plan(s, shuffled, null)).isEqualTo(first);
  }

  @Property(tries = 400)
  void everyFailingPodIsEitherActedOnOrSkippedWithAReasonAndOnlyOnce(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);
    List<String> accounted = new ArrayList<>();
    plan.actions().forEach(a -> accounted.add(a.pod()));
    plan.skipped().forEach(k -> accounted.add(k.pod()));
    // every pod with a worker in a state the rule acts on, stale, excluded or not: nobody is dropped silently
    List<String> failing = s.pods().stream().filter(p -> p.status().getWorkers().stream()
        .anyMatch(w -> w.getStatus() == WorkerStatus.Failed)).map(PodHealth::pod).toList();
    List<String> failingAccounted = accounted.stream().filter(failing::contains).toList();
    assertThat(failingAccounted).containsExactlyInAnyOrderElementsOf(failing);
    assertThat(plan.skipped()).allSatisfy(k -> {
      assertThat(k.reason()).isNotNull();
      assertThat(k.message()).isNotBlank();
    });
  }

  private static List<Plan.Decision> realActions(Plan plan) {
    return plan.actions().stream().filter(a -> a.action() == RemediationAction.RestartPod && !a.dryRun()).toList();
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<PolicySettings> policy = Combinators.combine(
        Arbitraries.integers().between(1, 4),
        Arbitraries.of("0", "1", "2", "25%", "50%", "100%"),
        Arbitraries.of("0s", "30s", "5m"),
        Arbitraries.integers().between(1, 5),
        Arbitraries.of("60s", "2m"),
        Arbitraries.of(false, false, true),
        Arbitraries.of(false, false, false, true),
        Arbitraries.of("0s", "30s", "2m")).as((concurrent, unhealthy, cooldown, rateMax, stale, dry, paused, forD) -> {
          WorkerHealthPolicySpec spec = Fixtures.spec(Fixtures.rule("restart-consumer", RemediationAction.RestartPod,
              forD, "*-consumer"));
          spec.setMaxConcurrent(concurrent);
          spec.setMaxUnhealthy(unhealthy.endsWith("%") ? new IntOrString(unhealthy)
              : new IntOrString(Integer.parseInt(unhealthy)));
          spec.setCooldown(cooldown);
          spec.setRateLimit(new RateLimit(rateMax, "1h"));
          spec.setStaleAfter(stale);
          spec.setDryRun(dry);
          spec.setPaused(paused);
          return Fixtures.settings(spec);
        });
    Arbitrary<List<PodHealth>> pods = pod().list().ofMaxSize(25).map(list -> {
      List<PodHealth> unique = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        PodHealth p = list.get(i);
        unique.add(new PodHealth("pod-" + i, "uid-" + i, p.slot(), p.excluded(), 5, p.status(), p.created(),
            p.controlled(), p.rollout()));
      }
      return unique;
    });
    Arbitrary<List<RemediationRecord>> history = record().list().ofMaxSize(15);
    Arbitrary<RecoveryStatus> recovery = Combinators.combine(
        Arbitraries.of(RecoveryPhase.values()).injectNull(0.5), Arbitraries.integers().between(0, 900),
        Arbitraries.integers().between(-300, 300), Arbitraries.integers().between(0, 5))
        .as((phase, heldAgo, nextIn, notRecovered) -> {
          if (phase == null) {
            return null;
          }
          RecoveryStatus r = new RecoveryStatus();
          r.setPhase(phase);
          r.setHeldSince(NOW.minusSeconds(heldAgo).toString());
          r.setPhaseSince(NOW.minusSeconds(heldAgo / 2).toString());
          r.setNextTryTime(phase == RecoveryPhase.BackingOff ? NOW.plusSeconds(nextIn).toString() : null);
          r.setNotRecovered(notRecovered);
          return r;
        });
    return Combinators.combine(policy, pods, history, recovery).as(Scenario::new);
  }

  private Arbitrary<PodHealth> pod() {
    Arbitrary<WorkerStatus> status = Arbitraries.of(WorkerStatus.Healthy, WorkerStatus.Healthy, WorkerStatus.Failed,
        WorkerStatus.Unknown, WorkerStatus.Degraded);
    Arbitrary<Integer> age = Arbitraries.integers().between(0, 900);
    return Combinators.combine(status, age, status, age, Arbitraries.integers().between(0, 200),
        Arbitraries.of("s0", "s1", "s2", "s3", "s4", "s5"), Arbitraries.of(false, false, false, true),
        Arbitraries.of(Boolean.TRUE, Boolean.TRUE, Boolean.FALSE).injectNull(0.3))
        .as((s1, a1, s2, a2, reportAge, slot, excluded, controlled) -> {
          WorkerHealthStatus st = new WorkerHealthStatus();
          st.setWorkers(new ArrayList<>(List.of(
              new WorkerState("a-consumer", s1, null, null, NOW.minusSeconds(a1).toString()),
              new WorkerState("b-consumer", s2, null, null, NOW.minusSeconds(a2).toString()))));
          boolean failed = s1 == WorkerStatus.Failed || s2 == WorkerStatus.Failed;
          st.setPhase(failed ? HealthPhase.Failed : s1 == WorkerStatus.Healthy && s2 == WorkerStatus.Healthy
              ? HealthPhase.Healthy : HealthPhase.Degraded);
          st.setLastScrapeTime(NOW.minusSeconds(reportAge).toString());
          // some pods are bare, some in a workload mid-rollout, some created recently (replacements)
          return new PodHealth("p", "u", slot, excluded, 5, st, NOW.minusSeconds(a1 + a2),
              controlled, Boolean.TRUE.equals(controlled) && a1 % 7 == 0 ? "Deployment/" + slot : null);
        });
  }

  private Arbitrary<RemediationRecord> record() {
    return Combinators.combine(Arbitraries.integers().between(0, 30), Arbitraries.of(RemediationOutcome.values()),
        Arbitraries.integers().between(0, 7200), Arbitraries.of("s0", "s1", "s2", "s3", "s4", "s5"),
        Arbitraries.of(RecoveryPhase.Canary, RecoveryPhase.Rolling).injectNull(0.7),
        Arbitraries.of(VerificationResult.values()).injectNull(0.6))
        .as((podIndex, outcome, ago, slot, recovery, verification) -> {
          RemediationRecord r = new RemediationRecord();
          r.setPod("pod-" + podIndex);
          r.setPodUID("uid-" + podIndex);
          r.setSlot(slot);
          r.setWorker("a-consumer");
          r.setRule("restart-consumer");
          r.setAction(RemediationAction.RestartPod);
          r.setOutcome(outcome);
          r.setTime(NOW.minus(Duration.ofSeconds(ago)).toString());
          r.setFailingSince(NOW.minus(Duration.ofSeconds(ago + 60)).toString());
          r.setRecovery(recovery);
          r.setVerification(outcome == RemediationOutcome.Succeeded ? verification : null);
          return r;
        });
  }
}
