package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerCondition;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides remediations: (policy, selected pods' health, remediation history, now) → actions and skips, each with a
 * reason. Pure and deterministic: no clock, no I/O, and the same decisions whatever order the pods come in.
 *
 * <p>The safety limits, in the order they are applied: paused; too many pods failing at once (a shared dependency
 * is the likely cause, restarts would only add a reconnect storm); stale data; excluded pods; the rule's 'for';
 * a remediation of the pod already in flight; the slot's cooldown; the rate limit; maxConcurrent.
 */
public final class RemediationPlanner {

  /** Outcomes that mean something was (or is being) done: they count for cooldowns, rate limits and concurrency. */
  private static final Set<RemediationOutcome> ACTED = Set.of(RemediationOutcome.Succeeded, RemediationOutcome.Pending);

  /** A rule's condition found on a pod. */
  private record Match(PolicySettings.Rule rule, String worker, Instant since) {}

  public Plan plan(PolicySettings policy, List<PodHealth> selected, List<RemediationRecord> history, Instant now) {
    return plan(policy, selected, history, null, now);
  }

  /**
   * @param settleSince when remediation was last allowed again after too many pods were unhealthy (null: never).
   *                    After an outage, pods report their recovery a moment apart; a condition must hold for the
   *                    rule's 'for' after this instant, so the stragglers are not restarted.
   */
  public Plan plan(PolicySettings policy, List<PodHealth> selected, List<RemediationRecord> history,
                   Instant settleSince, Instant now) {
    List<PodHealth> pods = selected.stream()
        .sorted(Comparator.comparing(PodHealth::pod).thenComparing(p -> Objects.toString(p.podUid(), "")))
        .toList();
    List<RemediationRecord> past = history == null ? List.of() : history;
    Set<String> present = new HashSet<>();
    pods.forEach(p -> present.add(p.podUid()));
    Set<String> inFlightUids = new HashSet<>();
    for (RemediationRecord r : past) {
      boolean pending = r.getOutcome() == RemediationOutcome.Pending;
      boolean evictedNotGone = r.getOutcome() == RemediationOutcome.Succeeded
          && r.getAction() == RemediationAction.RestartPod && present.contains(r.getPodUID());
      if (pending || evictedNotGone) {
        inFlightUids.add(r.getPodUID());
      }
    }

    int healthy = 0;
    int failing = 0;
    int unknown = 0;
    List<PodHealth> candidates = new ArrayList<>();
    List<Match> firstMatches = new ArrayList<>();
    List<Boolean> freshness = new ArrayList<>();
    for (PodHealth pod : pods) {
      WorkerHealthStatus s = pod.status();
      boolean fresh = s != null && isFresh(s, policy.staleAfter(), now);
      Match match = s == null ? null : firstMatch(policy.rules(), pod, now, false, null);
      if (!fresh) {
        unknown++;
      } else {
        if (s.getPhase() == HealthPhase.Healthy) {
          healthy++;
        } else if (match == null && (s.getPhase() == HealthPhase.Unknown || s.getPhase() == HealthPhase.Unreachable)) {
          unknown++;
        }
        if (match != null) {
          failing++;
        }
      }
      if (match != null) {
        candidates.add(pod);
        firstMatches.add(match);
        freshness.add(fresh);
      }
    }

    int allowed = policy.allowedUnhealthy(pods.size());
    SkipReason suppressed = null;
    String suppressedMessage = null;
    if (policy.paused()) {
      suppressed = SkipReason.Paused;
      suppressedMessage = "the policy is paused";
    } else if (failing > allowed) {
      suppressed = SkipReason.TooManyUnhealthy;
      suppressedMessage = failing + " of " + pods.size() + " selected pods are failing, more than maxUnhealthy ("
          + allowed + "): likely a shared dependency; remediating nothing";
    }

    List<Plan.Decision> actions = new ArrayList<>();
    List<Plan.Skip> skips = new ArrayList<>();
    long recentActs = past.stream().filter(r -> ACTED.contains(r.getOutcome())
        && r.getAction() == RemediationAction.RestartPod && after(r.getTime(), now.minus(policy.rateLimitPer()))).count();
    int chosen = 0;
    Set<String> slotsThisRound = new HashSet<>();
    for (int i = 0; i < candidates.size(); i++) {
      PodHealth pod = candidates.get(i);
      Match first = firstMatches.get(i);
      if (!freshness.get(i)) {
        skips.add(skip(pod, first, SkipReason.StaleData, "last report " + age(pod.status(), now)
            + " ago, older than staleAfter (" + policy.staleAfter().toSeconds() + "s): state unknown"));
        continue;
      }
      if (pod.excluded()) {
        skips.add(skip(pod, first, SkipReason.Excluded, "pod is labelled workerhealth.io/exclude"));
        continue;
      }
      if (suppressed != null) {
        skips.add(skip(pod, first, suppressed, suppressedMessage));
        continue;
      }
      Match match = firstMatch(policy.rules(), pod, now, true, settleSince);
      if (match == null) {
        Duration held = Duration.between(first.since(), now);
        boolean settling = settleSince != null && settleSince.isAfter(first.since());
        skips.add(skip(pod, first, SkipReason.NotLongEnough, describe(first) + " for " + held.toSeconds() + "s of "
            + first.rule().forDuration().toSeconds() + "s" + (settling ? "; settling after too many pods were "
            + "unhealthy until " + settleSince.plus(first.rule().forDuration()) : "")));
        continue;
      }
      if (inFlightUids.contains(pod.podUid())) {
        skips.add(skip(pod, match, SkipReason.InFlight, "a remediation of this pod is already under way"));
        continue;
      }
      boolean dryRun = policy.dryRun();
      RemediationAction action = match.rule().action();
      if ((action == RemediationAction.None || dryRun) && alreadyDecided(past, pod, match)) {
        skips.add(skip(pod, match, SkipReason.AlreadyDecided,
            "already recorded for this failure (since " + match.since() + ")"));
        continue;
      }
      if (action == RemediationAction.None) {
        // report only: recorded and announced, nothing is touched, so no limit applies
        actions.add(new Plan.Decision(action, pod.pod(), pod.podUid(), pod.slot(), match.worker(), match.rule().name(),
            match.since(), dryRun, describe(match) + " for " + Duration.between(match.since(), now).toSeconds() + "s"));
        continue;
      }
      Instant lastInSlot = past.stream()
          .filter(r -> ACTED.contains(r.getOutcome()) && pod.slot().equals(r.getSlot()))
          .map(r -> parse(r.getTime())).filter(Objects::nonNull).max(Comparator.naturalOrder()).orElse(null);
      if (slotsThisRound.contains(pod.slot())
          || lastInSlot != null && lastInSlot.plus(policy.cooldown()).isAfter(now)) {
        skips.add(skip(pod, match, SkipReason.Cooldown, pod.slot() + " was remediated "
            + (lastInSlot == null ? "in this round" : Duration.between(lastInSlot, now).toSeconds() + "s ago")
            + ", cooldown is " + policy.cooldown().toSeconds() + "s"));
        continue;
      }
      if (recentActs + chosen >= policy.rateLimitMax()) {
        skips.add(skip(pod, match, SkipReason.RateLimited, (recentActs + chosen) + " remediations within the last "
            + policy.rateLimitPer().toSeconds() + "s, the limit is " + policy.rateLimitMax()));
        continue;
      }
      if (inFlightUids.size() + chosen >= policy.maxConcurrent()) {
        skips.add(skip(pod, match, SkipReason.MaxConcurrent, (inFlightUids.size() + chosen)
            + " remediations in flight, maxConcurrent is " + policy.maxConcurrent()));
        continue;
      }
      chosen++;
      slotsThisRound.add(pod.slot());
      actions.add(new Plan.Decision(action, pod.pod(), pod.podUid(), pod.slot(), match.worker(), match.rule().name(),
          match.since(), dryRun, describe(match) + " for " + Duration.between(match.since(), now).toSeconds() + "s"
              + (dryRun ? " (dry run)" : "")));
    }
    return new Plan(actions, skips, new Plan.Counts(pods.size(), healthy, failing, unknown), inFlightUids.size(),
        suppressed, suppressedMessage);
  }

  /** The first rule with a matching worker condition; with {@code heldLongEnough}, only conditions past 'for'. */
  private static Match firstMatch(List<PolicySettings.Rule> rules, PodHealth pod, Instant now, boolean heldLongEnough,
                                  Instant settleSince) {
    WorkerHealthStatus s = pod.status();
    for (PolicySettings.Rule rule : rules) {
      Match best = null;
      if (s.getPhase() == HealthPhase.Unreachable) {
        // worker states are only last-known ones: just the endpoint condition applies
        if (rule.when().contains(WorkerCondition.Unreachable)) {
          best = new Match(rule, "*", unreachableSince(s, pod.intervalSeconds(), now));
        }
      } else {
        for (WorkerState w : s.getWorkers()) {
          WorkerCondition condition = condition(w.getStatus());
          if (condition == null || !rule.when().contains(condition) || !rule.matchesWorker(w.getName())) {
            continue;
          }
          Instant since = Objects.requireNonNullElse(parse(w.getLastTransitionTime()), now);
          if (best == null || since.isBefore(best.since())
              || since.equals(best.since()) && w.getName().compareTo(best.worker()) < 0) {
            best = new Match(rule, w.getName(), since);
          }
        }
      }
      if (best != null) {
        Instant heldFrom = settleSince != null && settleSince.isAfter(best.since()) ? settleSince : best.since();
        if (!heldLongEnough || !heldFrom.plus(rule.forDuration()).isAfter(now)) {
          return best;
        }
      }
    }
    return null;
  }

  private static WorkerCondition condition(WorkerStatus status) {
    if (status == null) {
      return WorkerCondition.Unknown;
    }
    return switch (status) {
      case Failed -> WorkerCondition.Failed;
      case Degraded -> WorkerCondition.Degraded;
      case Unknown -> WorkerCondition.Unknown;
      case Healthy -> null;
    };
  }

  private static Instant unreachableSince(WorkerHealthStatus s, Integer intervalSeconds, Instant now) {
    Instant lastOk = parse(s.getLastSuccessfulScrapeTime());
    if (lastOk != null) {
      return lastOk;
    }
    Instant last = Objects.requireNonNullElse(parse(s.getLastScrapeTime()), now);
    int failures = s.getConsecutiveFailures() == null ? 1 : s.getConsecutiveFailures();
    return last.minusSeconds((long) failures * (intervalSeconds == null ? 0 : intervalSeconds));
  }

  private static boolean alreadyDecided(List<RemediationRecord> past, PodHealth pod, Match match) {
    return past.stream().anyMatch(r -> Objects.equals(r.getPodUID(), pod.podUid())
        && Objects.equals(r.getWorker(), match.worker()) && Objects.equals(r.getRule(), match.rule().name())
        && Objects.equals(parse(r.getFailingSince()), match.since()));
  }

  static boolean isFresh(WorkerHealthStatus s, Duration staleAfter, Instant now) {
    Instant last = parse(s.getLastScrapeTime());
    return last != null && !last.plus(staleAfter).isBefore(now);
  }

  private static String age(WorkerHealthStatus s, Instant now) {
    Instant last = s == null ? null : parse(s.getLastScrapeTime());
    return last == null ? "never" : Duration.between(last, now).toSeconds() + "s";
  }

  private static boolean after(String time, Instant bound) {
    Instant t = parse(time);
    return t != null && t.isAfter(bound);
  }

  private static String describe(Match m) {
    return m.worker().equals("*") ? "health endpoint unreachable" : "worker " + m.worker() + " not healthy";
  }

  private static Plan.Skip skip(PodHealth pod, Match m, SkipReason reason, String message) {
    return new Plan.Skip(pod.pod(), m.worker(), m.rule().name(), reason, message);
  }

  static Instant parse(String time) {
    if (time == null) {
      return null;
    }
    try {
      return Instant.parse(time);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
