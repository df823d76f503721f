package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static io.workerhealth.operator.planning.Fixtures.defaults;
import static io.workerhealth.operator.planning.Fixtures.failing;
import static io.workerhealth.operator.planning.Fixtures.healthy;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reported times that cannot be believed make a report (or a worker) Unknown, with a reason. */
class ReportTimesTest {

  final RemediationPlanner planner = new RemediationPlanner();

  @Test
  void rfc3339IsReadAndAnythingElseIsNot() {
    assertThat(ReportTimes.parse("2026-01-01T12:00:00Z")).isEqualTo(NOW);
    assertThat(ReportTimes.parse("2026-01-01t13:00:00.5+01:00")).isEqualTo(NOW.plusMillis(500));
    assertThat(ReportTimes.parse("+1000000000-12-31T23:59:59Z")).isNull();
    assertThat(ReportTimes.parse("2026-02-30T00:00:00Z")).isNull();
    assertThat(ReportTimes.parse("2026-01-01T12:00:00")).as("no offset").isNull();
    assertThat(ReportTimes.parse("")).isNull();
    assertThat(ReportTimes.parse(null)).isNull();
  }

  @Test
  void aReportFromTheFarFutureIsUnknownAndThePodNextToItIsRestarted() {
    PodHealth future = failing("app-a", Duration.ofMinutes(5));
    future.status().setLastScrapeTime("+1000000000-12-31T23:59:59Z");
    Plan plan = planner.plan(defaults(), List.of(future, failing("app-b", Duration.ofMinutes(2)), healthy("c")),
        List.of(), NOW);
    assertThat(plan.actions()).singleElement().satisfies(d -> assertThat(d.pod()).isEqualTo("app-b"));
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.pod()).isEqualTo("app-a");
      assertThat(s.reason()).isEqualTo(SkipReason.InvalidTimestamp);
      assertThat(s.message()).isEqualTo("lastScrapeTime '+1000000000-12-31T23:59:59Z' is not an RFC 3339 time: "
          + "state unknown");
    });
    assertThat(plan.counts().unknown()).isEqualTo(1);
  }

  @Test
  void aReportAheadOfTheClockByMoreThanTheSkewIsNeverFreshButWithinItIs() {
    PodHealth ahead = failing("app-a", Duration.ofMinutes(5));
    ahead.status().setLastScrapeTime(NOW.plus(Duration.ofDays(3650)).toString());
    Plan plan = planner.plan(defaults(), List.of(ahead, healthy("b"), healthy("c")), List.of(), NOW);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.InvalidTimestamp);
      assertThat(s.message()).contains("315360000s in the future").contains("60s of clock skew");
    });

    PodHealth slightlyAhead = failing("app-a", Duration.ofMinutes(5));
    slightlyAhead.status().setLastScrapeTime(NOW.plusSeconds(30).toString());
    assertThat(planner.plan(defaults(), List.of(slightlyAhead, healthy("b"), healthy("c")), List.of(), NOW)
        .actions()).as("30 s ahead is clock skew: acted on").hasSize(1);
  }

  @Test
  void aWorkerWhoseTransitionTimeCannotBeBelievedIsNotActedOnAndSaysWhy() {
    PodHealth future = failing("app-a", Duration.ofMinutes(5));
    future.status().getWorkers().get(1).setLastTransitionTime(NOW.plus(Duration.ofDays(1461)).toString());
    PodHealth garbage = failing("app-b", Duration.ofMinutes(5));
    garbage.status().getWorkers().get(1).setLastTransitionTime("yesterday");
    Plan plan = planner.plan(defaults(), List.of(future, garbage, healthy("c")), List.of(), NOW);
    assertThat(plan.actions()).isEmpty();
    assertThat(plan.skipped()).extracting(Plan.Skip::reason).containsOnly(SkipReason.InvalidTimestamp);
    assertThat(plan.skipped()).extracting(Plan.Skip::message).containsExactlyInAnyOrder(
        "worker deliverymq-consumer lastTransitionTime 2030-01-01T12:00:00Z is 126230400s in the future (more than "
            + "the 60s of clock skew allowed): state unknown",
        "worker deliverymq-consumer lastTransitionTime 'yesterday' is not an RFC 3339 time: state unknown");
    assertThat(plan.counts().unknown()).isEqualTo(2);
    assertThat(plan.counts().failing()).isZero();
  }

  @Test
  void aReportNeverMadeIsSaidSo() {
    PodHealth never = failing("app-a", Duration.ofMinutes(5));
    never.status().setLastScrapeTime(null);
    Plan plan = planner.plan(defaults(), List.of(never, healthy("b"), healthy("c")), List.of(), NOW);
    assertThat(plan.skipped()).singleElement().satisfies(s -> {
      assertThat(s.reason()).isEqualTo(SkipReason.StaleData);
      assertThat(s.message()).startsWith("never reported, older than staleAfter");
    });
  }
}
