package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerCondition;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any string may stand in a WorkerHealth's times (the schema has no format): the planner never throws on them, never
 * acts on a report whose scrape time cannot be believed (not RFC 3339, or further ahead than the clock skew), nor on
 * a worker whose lastTransitionTime cannot be, and says why.
 */
class TimestampProperties {

  final RemediationPlanner planner = new RemediationPlanner();

  @Provide
  Arbitrary<String> times() {
    Arbitrary<String> nearNow = Arbitraries.longs().between(-3_600, 3_600).map(s -> NOW.plusSeconds(s).toString());
    Arbitrary<String> anyYear = Arbitraries.longs().between(-62_167_219_200L, 253_402_300_799L)
        .map(s -> Instant.ofEpochSecond(s).toString());
    Arbitrary<String> withOffset = Combinators.combine(Arbitraries.longs().between(-86_400, 86_400),
        Arbitraries.integers().between(-14, 14), Arbitraries.of(true, false)).as((s, h, lower) -> {
          String t = NOW.plusSeconds(s).atOffset(ZoneOffset.ofHours(h)).toString();
          return lower ? t.toLowerCase() : t;
        });
    Arbitrary<String> extremes = Arbitraries.of("+1000000000-12-31T23:59:59Z", "-1000000000-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:59:60Z", "2026-01-01", "", " ", "now",
        "1767268800", "2026-01-01T12:00:00", "2026-01-01T12:00:00+25:00");
    Arbitrary<String> garbage = Arbitraries.strings().ofMaxLength(40);
    return Arbitraries.oneOf(nearNow, anyYear, withOffset, extremes, garbage, Arbitraries.just(null));
  }

  @Provide
  Arbitrary<PodHealth> pods() {
    Arbitrary<WorkerState> worker = Combinators.combine(Arbitraries.of("deliverymq-consumer", "http-server",
        "retrymq-consumer"), Arbitraries.of(WorkerStatus.class), times())
        .as((name, status, since) -> new WorkerState(name, status, status.name().toLowerCase(), null, since));
    return Combinators.combine(Arbitraries.strings().alpha().ofLength(5), times(), times(),
        worker.list().ofMaxSize(3).uniqueElements(WorkerState::getName), Arbitraries.of(HealthPhase.class))
        .as((name, scraped, succeeded, workers, phase) -> {
          WorkerHealthStatus s = new WorkerHealthStatus();
          s.setPhase(phase);
          s.setLastScrapeTime(scraped);
          s.setLastSuccessfulScrapeTime(succeeded);
          s.setConsecutiveFailures(phase == HealthPhase.Unreachable ? 3 : 0);
          s.setWorkers(new ArrayList<>(workers));
          return new PodHealth("pod-" + name, "uid-" + name, "ReplicaSet/" + name, false, 5, s);
        });
  }

  @Provide
  Arbitrary<List<PodHealth>> fleets() {
    return pods().list().ofMinSize(1).ofMaxSize(6);
  }

  static PolicySettings policy() {
    RemediationRule r = Fixtures.restartConsumers();
    r.setWhen(List.of(WorkerCondition.Failed, WorkerCondition.Degraded, WorkerCondition.Unknown,
        WorkerCondition.Unreachable));
    return Fixtures.with(s -> {
      s.setRules(new ArrayList<>(List.of(r)));
      s.setMaxUnhealthy(new io.fabric8.kubernetes.api.model.IntOrString("100%"));
      s.setMaxConcurrent(100);
    });
  }

  static boolean believable(String time) {
    Instant t = ReportTimes.parse(time);
    return t != null && !t.isAfter(NOW.plus(ReportTimes.CLOCK_SKEW));
  }

  @Property(tries = 1000)
  void neverActsOnATimeThatCannotBeBelieved(@ForAll("fleets") List<PodHealth> pods) {
    List<PodHealth> unique = pods.stream().collect(Collectors.toMap(PodHealth::pod, p -> p, (a, b) -> a))
        .values().stream().toList();
    Plan plan = planner.plan(policy(), unique, List.of(), NOW); // never throws
    Map<String, PodHealth> byName = unique.stream().collect(Collectors.toMap(PodHealth::pod, p -> p));
    for (Plan.Decision d : plan.actions()) {
      PodHealth pod = byName.get(d.pod());
      WorkerHealthStatus s = pod.status();
      assertThat(believable(s.getLastScrapeTime())).as("lastScrapeTime %s", s.getLastScrapeTime()).isTrue();
      assertThat(s.getLastSuccessfulScrapeTime() == null || believable(s.getLastSuccessfulScrapeTime()))
          .as("lastSuccessfulScrapeTime %s", s.getLastSuccessfulScrapeTime()).isTrue();
      assertThat(d.failingSince()).isBeforeOrEqualTo(NOW);
      if (!d.worker().equals("*")) {
        WorkerState w = s.getWorkers().stream().filter(x -> x.getName().equals(d.worker())).findFirst().orElseThrow();
        assertThat(believable(w.getLastTransitionTime())).as("lastTransitionTime %s", w.getLastTransitionTime())
            .isTrue();
      }
      assertThat(d.reason()).doesNotContain("for -");
    }
    for (Plan.Skip skip : plan.skipped()) {
      if (skip.reason() == SkipReason.InvalidTimestamp) {
        assertThat(skip.message()).containsAnyOf("lastScrapeTime", "lastSuccessfulScrapeTime", "lastTransitionTime")
            .containsAnyOf("not an RFC 3339 time", "in the future");
      }
    }
    assertThat(plan.counts().healthy() + plan.counts().unknown()).isLessThanOrEqualTo(unique.size());
  }

  @Property(tries = 1000)
  void aTimeIsReadOnlyWhenItIsRfc3339WithinTheYears0To9999(@ForAll("times") String time) {
    Instant t = ReportTimes.parse(time); // never throws
    if (t != null) {
      assertThat(t).isBetween(Instant.parse("0000-01-01T00:00:00Z").minus(Duration.ofDays(1)),
          Instant.parse("9999-12-31T23:59:59.999999999Z").plus(Duration.ofDays(1)));
      assertThat(t.plus(Duration.ofHours(999_999_999L))).isAfter(t); // no overflow with any duration the API allows
    }
  }
}
