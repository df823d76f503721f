package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RateLimit;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
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

  record Scenario(PolicySettings policy, List<PodHealth> pods, List<RemediationRecord> history) {}

  final RemediationPlanner planner = new RemediationPlanner();

  @Property(tries = 400)
  void neverMoreThanMaxConcurrentInFlight(@ForAll("scenarios") Scenario s) {
    Plan plan = planner.plan(s.policy(), s.pods(), s.history(), NOW);
    long acting = realActions(plan).size();
    if (acting > 0) {
      assertThat(plan.inFlight() + acting).isLessThanOrEqualTo(s.policy().maxConcurrent());
    }
  }

  @Property(tries = 400)
  void nothingIsDoneWhenMorePodsFailThanMaxUnhealthyAllows(@ForAll("scenarios") Scenario s) {
    Plan plan = planner.plan(s.policy(), s.pods(), s.history(), NOW);
    if (plan.counts().failing() > s.policy().allowedUnhealthy(s.pods().size()) || s.policy().paused()) {
      assertThat(plan.actions()).isEmpty();
    }
  }

  @Property(tries = 400)
  void neverOnStaleDataNorExcludedPodsNorBeforeFor(@ForAll("scenarios") Scenario s) {
    Plan plan = planner.plan(s.policy(), s.pods(), s.history(), NOW);
    Map<String, PodHealth> byName = s.pods().stream().collect(Collectors.toMap(PodHealth::pod, p -> p));
    for (Plan.Decision d : plan.actions()) {
      PodHealth pod = byName.get(d.pod());
      assertThat(pod.excluded()).isFalse();
      assertThat(RemediationPlanner.isFresh(pod.status(), s.policy().staleAfter(), NOW)).isTrue();
      PolicySettings.Rule rule = s.policy().rules().stream().filter(r -> r.name().equals(d.rule())).findFirst()
          .orElseThrow();
      assertThat(d.failingSince().plus(rule.forDuration())).isBeforeOrEqualTo(NOW);
    }
  }

  @Property(tries = 400)
  void cooldownAndRateLimitAlwaysHold(@ForAll("scenarios") Scenario s) {
    Plan plan = planner.plan(s.policy(), s.pods(), s.history(), NOW);
    List<Plan.Decision> acting = realActions(plan);
    Set<RemediationOutcome> acted = Set.of(RemediationOutcome.Succeeded, RemediationOutcome.Pending);
    for (Plan.Decision d : acting) {
      boolean recentInSlot = s.history().stream().anyMatch(r -> acted.contains(r.getOutcome())
          && d.slot().equals(r.getSlot()) && Instant.parse(r.getTime()).plus(s.policy().cooldown()).isAfter(NOW));
      assertThat(recentInSlot).as("cooldown of %s", d.slot()).isFalse();
    }
    assertThat(acting.stream().map(Plan.Decision::slot).distinct().count()).isEqualTo(acting.size());
    if (!acting.isEmpty()) {
      long recent = s.history().stream().filter(r -> acted.contains(r.getOutcome())
          && Instant.parse(r.getTime()).isAfter(NOW.minus(s.policy().rateLimitPer()))).count();
      assertThat(recent + acting.size()).isLessThanOrEqualTo(s.policy().rateLimitMax());
    }
  }

  @Property(tries = 300)
  void neverBeforeTheConditionHeldForAfterAnOutageEnded(@ForAll("scenarios") Scenario s,
                                                        @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 300) int endedAgo) {
    Instant settleSince = NOW.minusSeconds(endedAgo);
    Plan plan = planner.plan(s.policy(), s.pods(), s.history(), settleSince, NOW);
    for (Plan.Decision d : plan.actions()) {
      PolicySettings.Rule rule = s.policy().rules().stream().filter(r -> r.name().equals(d.rule())).findFirst()
          .orElseThrow();
      assertThat(settleSince.plus(rule.forDuration())).isBeforeOrEqualTo(NOW);
    }
  }

  @Property(tries = 200)
  void sameInputsSameDecisionsInAnyOrder(@ForAll("scenarios") Scenario s, @ForAll long seed) {
    Plan first = planner.plan(s.policy(), s.pods(), s.history(), NOW);
    List<PodHealth> shuffled = new ArrayList<>(s.pods());
    Collections.shuffle(shuffled, new Random(seed));
    assertThat(planner.plan(s.policy(), shuffled, s.history(), NOW)).isEqualTo(first);
  }

  @Property(tries = 200)
  void everyFailingFreshPodIsEitherActedOnOrSkippedWithAReason(@ForAll("scenarios") Scenario s) {
    Plan plan = planner.plan(s.policy(), s.pods(), s.history(), NOW);
    Set<String> accounted = new HashSet<>();
    plan.actions().forEach(a -> accounted.add(a.pod()));
    plan.skipped().forEach(k -> accounted.add(k.pod()));
    assertThat(accounted.size()).isEqualTo(plan.actions().size() + plan.skipped().size());
    assertThat(plan.skipped()).allSatisfy(k -> assertThat(k.message()).isNotBlank());
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
        unique.add(new PodHealth("pod-" + i, "uid-" + i, p.slot(), p.excluded(), 5, p.status()));
      }
      return unique;
    });
    Arbitrary<List<RemediationRecord>> history = record().list().ofMaxSize(15);
    return Combinators.combine(policy, pods, history).as(Scenario::new);
  }

  private Arbitrary<PodHealth> pod() {
    Arbitrary<WorkerStatus> status = Arbitraries.of(WorkerStatus.Healthy, WorkerStatus.Healthy, WorkerStatus.Failed,
        WorkerStatus.Unknown, WorkerStatus.Degraded);
    Arbitrary<Integer> age = Arbitraries.integers().between(0, 900);
    return Combinators.combine(status, age, status, age, Arbitraries.integers().between(0, 200),
        Arbitraries.of("s0", "s1", "s2", "s3", "s4", "s5"), Arbitraries.of(false, false, false, true))
        .as((s1, a1, s2, a2, reportAge, slot, excluded) -> {
          WorkerHealthStatus st = new WorkerHealthStatus();
          st.setWorkers(new ArrayList<>(List.of(
              new WorkerState("a-consumer", s1, null, null, NOW.minusSeconds(a1).toString()),
              new WorkerState("b-consumer", s2, null, null, NOW.minusSeconds(a2).toString()))));
          boolean failed = s1 == WorkerStatus.Failed || s2 == WorkerStatus.Failed;
          st.setPhase(failed ? HealthPhase.Failed : s1 == WorkerStatus.Healthy && s2 == WorkerStatus.Healthy
              ? HealthPhase.Healthy : HealthPhase.Degraded);
          st.setLastScrapeTime(NOW.minusSeconds(reportAge).toString());
          return new PodHealth("p", "u", slot, excluded, 5, st);
        });
  }

  private Arbitrary<RemediationRecord> record() {
    return Combinators.combine(Arbitraries.integers().between(0, 30), Arbitraries.of(RemediationOutcome.values()),
        Arbitraries.integers().between(0, 7200), Arbitraries.of("s0", "s1", "s2", "s3", "s4", "s5"))
        .as((podIndex, outcome, ago, slot) -> {
          RemediationRecord r = new RemediationRecord();
          r.setPod("pod-" + podIndex);
          r.setPodUID("uid-" + podIndex);
          r.setSlot(slot);
          r.setWorker("a-consumer");
          r.setRule("restart-consumer");
          r.setAction(RemediationAction.RestartPod);
          r.setOutcome(outcome);
          r.setTime(NOW.minus(Duration.ofSeconds(ago)).toString());
          return r;
        });
  }
}
