package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static io.workerhealth.operator.planning.Fixtures.defaults;
import static io.workerhealth.operator.planning.Fixtures.excluded;
import static io.workerhealth.operator.planning.Fixtures.failing;
import static io.workerhealth.operator.planning.Fixtures.healthy;
import static io.workerhealth.operator.planning.Fixtures.inSlot;
import static io.workerhealth.operator.planning.Fixtures.pod;
import static io.workerhealth.operator.planning.Fixtures.rate;
import static io.workerhealth.operator.planning.Fixtures.record;
import static io.workerhealth.operator.planning.Fixtures.rule;
import static io.workerhealth.operator.planning.Fixtures.spec;
import static io.workerhealth.operator.planning.Fixtures.unhealthy;
import static io.workerhealth.operator.planning.Fixtures.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerCondition;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemediationPlannerTest {

  final RemediationPlanner planner = new RemediationPlanner();

  Plan plan(PolicySettings p, List<PodHealth> pods, List<io.workerhealth.api.v1alpha1.RemediationRecord> history) {
    return planner.plan(p, pods, history, NOW);
  }

  @Test
  void aWorkerFailedLongerThanForRestartsThatPodOnly() {
    Plan plan = plan(defaults(), List.of(healthy("app-a"), failing("app-b", Duration.ofMinutes(1)), healthy("app-c")),
        List.of());
    assertThat(plan.actions()).extracting(Plan.Decision::action, Plan.Decision::pod, Plan.Decision::worker,
        Plan.Decision::rule).containsExactly(tuple(RemediationAction.RestartPod, "app-b", "deliverymq-consumer",
        "restart-consumer"));
    assertThat(plan.actions().get(0).failingSince()).isEqualTo(NOW.minus(Duration.ofMinutes(1)));
    assertThat(plan.counts()).isEqualTo(new Plan.Counts(3, 2, 1, 0));
    assertThat(plan.remediationAllowed()).isTrue();
  }

  @Test
  void notBeforeTheStateHeldForTheRulesFor() {
    Plan plan = plan(defaults(), List.of(failing("app-b", Duration.ofSeconds(12)), healthy("app-a"),
        healthy("app-c")), List.of());
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.NotLongEnough);
      assertThat(s.message()).contains("12s of 30s");
    });
  }

  @Test
  void tooManyFailingAtOnceSuppressesEverything() {
    List<PodHealth> pods = List.of(failing("app-a", Duration.ofMinutes(5)), failing("app-b", Duration.ofMinutes(5)),
        failing("app-c", Duration.ofMinutes(5)), healthy("app-d"));
    Plan plan = plan(defaults(), pods, List.of());
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.remediationAllowed()).isFalse();
    assertThat(plan.suppressed()).isEqualTo(SkipReason.TooManyUnhealthy);
    assertThat(plan.suppressedMessage()).contains("3 of 4 selected pods are failing").contains("(2)");
    assertThat(plan.skipped()).hasSize(3).allSatisfy(s -> assertThat(s.reason()).isEqualTo(SkipReason.TooManyUnhealthy));
  }

  @Test
  void maxUnhealthyRoundsPercentagesUpSoASinglePodCanBeRestarted() {
    assertThat(plan(defaults(), List.of(failing("solo-a", Duration.ofMinutes(1))), List.of()).actions()).hasSize(1);
    PolicySettings absolute = Fixtures.settings(unhealthy(spec(Fixtures.restartConsumers()), "0"));
    assertThat(plan(absolute, List.of(failing("solo-a", Duration.ofMinutes(1))), List.of()).suppressed())
        .isEqualTo(SkipReason.TooManyUnhealthy);
  }

  @Test
  void staleDataIsNeverActedOn() {
    PodHealth stale = pod("app-b", Duration.ofMinutes(3), "deliverymq-consumer", WorkerStatus.Failed,
        Duration.ofMinutes(10));
    Plan plan = plan(defaults(), List.of(stale, healthy("app-a"), healthy("app-c")), List.of());
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.StaleData);
      assertThat(s.message()).contains("180s ago");
    });
    assertThat(plan.counts().unknown()).isEqualTo(1);
    assertThat(plan.counts().failing()).as("stale pods do not count as failing").isZero();
  }

  @Test
  void excludedPodsAreNeverTouched() {
    Plan plan = plan(defaults(), List.of(excluded(failing("app-b", Duration.ofMinutes(1))), healthy("app-a")),
        List.of());
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.Excluded);
  }

  @Test
  void cooldownHoldsPerWorkloadSlot() {
    PodHealth replacement = failing("app-7d9f-xyz", Duration.ofMinutes(1));
    PodHealth earlier = inSlot(failing("app-7d9f-old", Duration.ofMinutes(1)), replacement.slot());
    Plan plan = plan(defaults(), List.of(replacement, healthy("other-a"), healthy("other-b")),
        List.of(record(new PodHealth("app-7d9f-old", "uid-gone", replacement.slot(), false, 5, earlier.status()),
            RemediationOutcome.Succeeded, Duration.ofMinutes(2))));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.Cooldown);
      assertThat(s.message()).contains("120s ago").contains("cooldown is 300s");
    });
    // after the cooldown it may go again
    Plan later = planner.plan(defaults(), List.of(replacement, healthy("other-a"), healthy("other-b")),
        List.of(record(new PodHealth("app-7d9f-old", "uid-gone", replacement.slot(), false, 5, earlier.status()),
            RemediationOutcome.Succeeded, Duration.ofMinutes(6))), NOW);
    assertThat(later.actions()).hasSize(1);
  }

  @Test
  void twoPodsOfOneSlotAreNotRestartedInTheSameRound() {
    PolicySettings p = with(s -> s.setMaxConcurrent(5));
    PodHealth a = failing("app-1", Duration.ofMinutes(1));
    PodHealth b = inSlot(failing("app-2", Duration.ofMinutes(1)), a.slot());
    List<PodHealth> pods = List.of(a, b, healthy("x-1"), healthy("x-2"), healthy("x-3"));
    Plan plan = plan(p, pods, List.of());
    assertThat(plan.actions()).extracting(Plan.Decision::pod).containsExactly("app-1");
    assertThat(plan.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.Cooldown);
  }

  @Test
  void rateLimitCountsRemediationsInTheWindow() {
    PolicySettings p = with(s -> s.setRateLimit(rate(2, "1h")));
    PodHealth gone1 = healthy("old-1");
    PodHealth gone2 = healthy("old-2");
    Plan plan = plan(p, List.of(failing("app-b", Duration.ofMinutes(1)), healthy("a"), healthy("c")),
        List.of(record(inSlot(gone1, "s1"), RemediationOutcome.Succeeded, Duration.ofMinutes(30)),
            record(inSlot(gone2, "s2"), RemediationOutcome.Succeeded, Duration.ofMinutes(50))));
    assertThat(plan.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.RateLimited);
    Plan older = plan(p, List.of(failing("app-b", Duration.ofMinutes(1)), healthy("a"), healthy("c")),
        List.of(record(inSlot(gone1, "s1"), RemediationOutcome.Succeeded, Duration.ofMinutes(30)),
            record(inSlot(gone2, "s2"), RemediationOutcome.Succeeded, Duration.ofMinutes(70))));
    assertThat(older.actions()).hasSize(1);
  }

  @Test
  void maxConcurrentCountsEvictedPodsUntilTheyAreGone() {
    PodHealth terminating = failing("app-a", Duration.ofMinutes(3));
    PodHealth next = inSlot(failing("app-b", Duration.ofMinutes(1)), "ReplicaSet/other");
    List<PodHealth> pods = List.of(terminating, next, healthy("h-1"), healthy("h-2"));
    Plan plan = plan(defaults(), pods, List.of(record(terminating, RemediationOutcome.Succeeded, Duration.ofMinutes(10))));
    assertThat(plan.inFlight()).isEqualTo(1);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).extracting(Plan.Skip::pod, Plan.Skip::reason)
        .containsExactly(tuple("app-a", SkipReason.InFlight), tuple("app-b", SkipReason.MaxConcurrent));
  }

  @Test
  void aPendingIntentIsNeverDecidedAgain() {
    PodHealth pod = failing("app-a", Duration.ofMinutes(3));
    Plan plan = plan(defaults(), List.of(pod, healthy("h-1"), healthy("h-2")),
        List.of(record(pod, RemediationOutcome.Pending, Duration.ofSeconds(1))));
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.InFlight);
  }

  @Test
  void aBlockedEvictionIsDecidedAgainLater() {
    PodHealth pod = failing("app-a", Duration.ofMinutes(3));
    Plan plan = plan(defaults(), List.of(pod, healthy("h-1"), healthy("h-2")),
        List.of(record(pod, RemediationOutcome.Blocked, Duration.ofSeconds(30))));
    assertThat(plan.actions()).extracting(Plan.Decision::pod).containsExactly("app-a");
  }

  @Test
  void dryRunDecidesOncePerFailure() {
    PolicySettings p = with(s -> s.setDryRun(true));
    PodHealth pod = failing("app-a", Duration.ofMinutes(3));
    Plan first = plan(p, List.of(pod, healthy("h-1"), healthy("h-2")), List.of());
    assertThat(first.actions()).singleElement().satisfies(d -> assertThat(d.dryRun()).isTrue());
    var recorded = record(pod, RemediationOutcome.DryRun, Duration.ZERO);
    recorded.setFailingSince(first.actions().get(0).failingSince().toString());
    Plan second = plan(p, List.of(pod, healthy("h-1"), healthy("h-2")), List.of(recorded));
    assertThat(second.actions()).isEmpty();
    assertThat(second.skipped()).extracting(Plan.Skip::reason).containsExactly(SkipReason.AlreadyDecided);
  }

  @Test
  void pausedDecidesNothing() {
    Plan plan = plan(with(s -> s.setPaused(true)), List.of(failing("app-a", Duration.ofMinutes(3)), healthy("b")),
        List.of());
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.suppressed()).isEqualTo(SkipReason.Paused);
  }

  @Test
  void reportOnlyRulesDecideWithoutLimits() {
    PolicySettings p = Fixtures.settings(spec(rule("watch", RemediationAction.None, "10s", "*")));
    Plan plan = plan(p, List.of(failing("app-a", Duration.ofMinutes(3)), healthy("b"), healthy("c")), List.of());
    assertThat(plan.actions()).extracting(Plan.Decision::action).containsExactly(RemediationAction.None);
  }

  @Test
  void unreachableCountsOnlyWhenListed() {
    PodHealth down = pod("app-a", Duration.ofSeconds(2), "deliverymq-consumer", WorkerStatus.Unknown,
        Duration.ofMinutes(5));
    down.status().setPhase(HealthPhase.Unreachable);
    down.status().setLastSuccessfulScrapeTime(NOW.minus(Duration.ofMinutes(5)).toString());
    List<PodHealth> pods = List.of(down, healthy("b"), healthy("c"));
    assertThat(plan(defaults(), pods, List.of()).actions()).as("Failed only by default").isEmpty();
    assertThat(plan(defaults(), pods, List.of()).counts().unknown()).isEqualTo(1);

    RemediationRule r = Fixtures.restartConsumers();
    r.setWhen(List.of(WorkerCondition.Failed, WorkerCondition.Unreachable));
    Plan plan = plan(Fixtures.settings(spec(r)), pods, List.of());
    assertThat(plan.actions()).singleElement().satisfies(d -> {
      assertThat(d.worker()).isEqualTo("*");
      assertThat(d.reason()).contains("unreachable").contains("300s");
    });
  }

  @Test
  void theLongestFailingMatchingWorkerIsNamedAndGlobsMatch() {
    PodHealth pod = pod("app-a", Duration.ofSeconds(2), "logmq-consumer", WorkerStatus.Failed, Duration.ofMinutes(2),
        "retrymq-consumer", WorkerStatus.Failed, Duration.ofMinutes(9), "http-server", WorkerStatus.Failed,
        Duration.ofHours(1));
    Plan plan = plan(defaults(), List.of(pod, healthy("b"), healthy("c")), List.of());
    assertThat(plan.actions()).extracting(Plan.Decision::worker).containsExactly("retrymq-consumer");
  }

  @Test
  void afterAnOutageConditionsMustHoldForTheirForAgain() {
    List<PodHealth> pods = List.of(failing("app-a", Duration.ofMinutes(5)), healthy("b"), healthy("c"));
    Plan justEnded = planner.plan(defaults(), pods, List.of(), NOW.minusSeconds(10), NOW);
    assertThat(justEnded.actions()).isEmpty();
    assertThat(justEnded.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.NotLongEnough);
      assertThat(s.message()).contains("settling after too many pods were unhealthy");
    });
    Plan settled = planner.plan(defaults(), pods, List.of(), NOW.minusSeconds(31), NOW);
    assertThat(settled.actions()).extracting(Plan.Decision::pod).containsExactly("app-a");
  }

  @Test
  void decisionsDoNotDependOnInputOrder() {
    PolicySettings p = with(s -> s.setMaxConcurrent(2));
    List<PodHealth> pods = List.of(failing("c-1", Duration.ofMinutes(1)), inSlot(failing("a-1", Duration.ofMinutes(2)),
        "x"), healthy("b-1"), inSlot(failing("d-1", Duration.ofMinutes(3)), "y"), healthy("e"), healthy("f"),
        healthy("g"));
    Plan forward = plan(p, pods, List.of());
    List<PodHealth> reversed = new java.util.ArrayList<>(pods);
    java.util.Collections.reverse(reversed);
    Plan backward = plan(p, reversed, List.of());
    assertThat(backward).isEqualTo(forward);
    assertThat(forward.actions()).extracting(Plan.Decision::pod).containsExactly("a-1", "c-1");
  }

  @Test
  void invalidPoliciesListEveryProblem() {
    WorkerHealthPolicySpec spec = spec(rule("same", RemediationAction.RestartPod, "soon", "x"),
        rule("same", null, "30s"));
    spec.setSelector(null);
    spec.setCooldown("5 minutes");
    spec.setMaxConcurrent(0);
    unhealthy(spec, "150%");
    assertThatThrownBy(() -> PolicySettings.from(spec)).isInstanceOfSatisfying(InvalidPolicyException.class,
        e -> assertThat(e.problems()).containsExactlyInAnyOrder(
            "spec.selector is required",
            "spec.rules[0].for: 'soon' is not a duration like 30s, 5m or 1h",
            "spec.rules[1].name 'same' is used twice",
            "spec.rules[1].workers needs at least one worker name or glob",
            "spec.rules[1].action is required (RestartPod, ScaleTarget or None), or escalation",
            "spec.maxUnhealthy must be a non-negative number or a percentage from 0% to 100%",
            "spec.maxConcurrent must be at least 1",
            "spec.cooldown: '5 minutes' is not a duration like 30s, 5m or 1h"));
  }

  @Test
  void workloadSlots() {
    var rs = new OwnerReferenceBuilder().withKind("ReplicaSet").withName("web-7d9f").withController(true).build();
    var sts = new OwnerReferenceBuilder().withKind("StatefulSet").withName("db").withController(true).build();
    assertThat(WorkloadSlots.of("web-7d9f-abc", List.of(rs))).isEqualTo("ReplicaSet/web-7d9f");
    assertThat(WorkloadSlots.of("db-0", List.of(sts))).isEqualTo("StatefulSet/db/db-0");
    assertThat(WorkloadSlots.of("bare", null)).isEqualTo("Pod/bare");
  }
}
