package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.ActionEffectiveness;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.api.v1alpha1.WorkerCondition;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides remediations: (policy, selected pods' health, remediation history, now) → actions and skips, each with a
 * reason. Pure and deterministic: no clock, no I/O, and the same decisions whatever order the pods come in.
 *
 * <p>The safety limits, in the order they are applied: paused; too many pods failing (or not reporting) at once (a
 * shared dependency is the likely cause, restarts would only add a reconnect storm: the {@link OutageRecoveryPlanner}
 * decides, report-only rules still report); stale data; excluded pods; the rule's 'for'; a remediation of the pod
 * already in flight; bare pods; workloads mid-rollout; the slot's cooldown (doubling for remediations in a row); the
 * rate limit; maxConcurrent. Whatever is held by time says when it is due ({@link Plan#nextTry()}).
 *
 * <p>Beyond single actions: every RestartPod and ScaleTarget is verified over the rule's verification window
 * (Recovered / NotRecovered, counted per rule, worker and action); an action that did not help maxNotRecovered times
 * in a row for a worker is not repeated. Escalating rules move, per worker and workload slot, to their next step when
 * a step has acted maxAttempts times within its window (or stopped helping); a final None step holds and asks for a
 * human. ScaleTarget rules are decided per target, not per pod: see {@link #planScale}.
 */
public final class RemediationPlanner {

  /** Outcomes that mean something was (or is being) done: they count for cooldowns, rate limits and concurrency. */
  private static final Set<RemediationOutcome> ACTED = Set.of(RemediationOutcome.Succeeded, RemediationOutcome.Pending);

  /** Outcomes of decisions that count as a step's attempt in an escalation. */
  private static final Set<RemediationOutcome> DECIDED = Set.of(RemediationOutcome.Succeeded,
      RemediationOutcome.Pending, RemediationOutcome.Reported);

  /** A rule's condition found on a pod. */
  private record Match(PolicySettings.Rule rule, String worker, Instant since) {}

  /** The step of a rule that applies to a worker on a workload now, or why none does. */
  private record Resolved(int index, PolicySettings.Step step, SkipReason hold, String message) {}

  /** A pod whose failure asks a ScaleTarget step for more replicas. */
  private record ScaleRequest(PodHealth pod, Match match, int stepIndex) {}

  public Plan plan(PolicySettings policy, List<PodHealth> selected, List<RemediationRecord> history, Instant now) {
    return plan(policy, selected, history, null, now);
  }

  public Plan plan(PolicySettings policy, List<PodHealth> selected, List<RemediationRecord> history,
                   Instant settleSince, Instant now) {
    return plan(policy, new PlanInputs(selected, history, settleSince, null, null, null), now);
  }

  /**
   * @param settleSince when remediation was last allowed again after too many pods were unhealthy (null: never).
   *                    After an outage, pods report their recovery a moment apart; a condition must hold for the
   *                    rule's 'for' after this instant, so the stragglers are not restarted.
   */
  public Plan plan(PolicySettings policy, PlanInputs in, Instant now) {
    Instant settleSince = in.settleSince();
    List<PodHealth> pods = in.pods().stream()
        .sorted(Comparator.comparing(PodHealth::pod).thenComparing(p -> Objects.toString(p.podUid(), "")))
        .toList();
    List<RemediationRecord> past = in.history();
    Set<String> present = new HashSet<>();
    pods.forEach(p -> present.add(p.podUid()));
    Set<String> inFlightUids = new HashSet<>();
    for (RemediationRecord r : past) {
      boolean pending = r.getOutcome() == RemediationOutcome.Pending;
      boolean evictedNotGone = r.getOutcome() == RemediationOutcome.Succeeded
          && r.getAction() == RemediationAction.RestartPod && present.contains(r.getPodUID());
      if ((pending || evictedNotGone) && r.getPodUID() != null) {
        inFlightUids.add(r.getPodUID());
      }
    }
    NextTry next = new NextTry(now);

    // did the earlier actions help? decided before anything else: the cut-off and escalation depend on it
    List<Plan.Verified> verified = verify(policy, pods, past, now);
    Map<RemediationRecord, VerificationResult> results = new IdentityHashMap<>();
    past.forEach(r -> {
      if (r.getVerification() != null) {
        results.put(r, r.getVerification());
      }
    });
    verified.forEach(v -> results.put(v.record(), v.result()));
    List<Plan.HoldEnded> holdsEnded = new ArrayList<>();
    List<ActionEffectiveness> effectiveness = effectiveness(policy, in.effectiveness(), verified, pods,
        in.specChanged(), holdsEnded, now);
    effectiveness.forEach(e -> next.at(parse(e.getHeldUntil())));
    verificationsDue(policy, past, results, next);

    List<Plan.Skip> skips = new ArrayList<>();
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
        // workers whose lastTransitionTime cannot be believed are Unknown: said, never acted on
        List<Plan.Skip> untrusted = untrustedWorkers(policy.rules(), pod, now);
        if (!pod.excluded()) {
          skips.addAll(untrusted);
        }
        if (s.getPhase() == HealthPhase.Healthy) {
          healthy++;
        } else if (match == null && (s.getPhase() == HealthPhase.Unknown || s.getPhase() == HealthPhase.Unreachable
            || !untrusted.isEmpty())) {
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

    // pods without a WorkerHealth: after the start-up grace period they count, as unhealthy
    List<String> notReporting = new ArrayList<>();
    in.unreported().stream().sorted(Comparator.comparing(UnreportedPod::pod)).forEach(u -> {
      Instant due = u.created() == null ? now : u.created().plus(policy.startupGracePeriod());
      if (due.isAfter(now)) {
        next.at(due);
      } else {
        notReporting.add(u.pod());
      }
    });
    int selected = pods.size() + notReporting.size();
    int allowed = policy.allowedUnhealthy(selected);
    int unhealthy = failing + notReporting.size();
    boolean tooMany = unhealthy > allowed;
    String tooManyMessage = unhealthy + " of " + selected + " selected pods are failing"
        + (notReporting.isEmpty() ? "" : " or not reporting") + ", more than maxUnhealthy (" + allowed
        + "): likely a shared dependency; remediating nothing";

    OutageRecoveryPlanner.Round recovery = OutageRecoveryPlanner.next(policy, in.recovery(),
        situation(in, pods, past, results, tooMany, tooManyMessage, failing, policy, now), now);
    next.at(recovery.nextTry());
    SkipReason suppressed = null;
    String suppressedMessage = null;
    if (policy.paused()) {
      suppressed = SkipReason.Paused;
      suppressedMessage = "the policy is paused";
    } else if (recovery.mode() != OutageRecoveryPlanner.Mode.NONE) {
      suppressed = tooMany ? SkipReason.TooManyUnhealthy : SkipReason.RecoveryInProgress;
      suppressedMessage = recovery.phase() == RecoveryPhase.Held && tooMany ? tooManyMessage
          : (tooMany ? tooManyMessage + "; " : "an outage is being recovered from; ") + "outage recovery "
              + recovery.phase() + ": " + recovery.state().getMessage();
    }

    List<Plan.Decision> actions = new ArrayList<>();
    List<Plan.Escalation> escalations = new ArrayList<>();
    List<Plan.Attention> attention = new ArrayList<>();
    Map<String, List<ScaleRequest>> scaleRequests = new LinkedHashMap<>();
    List<OutageCandidate> outageCandidates = new ArrayList<>();
    Set<String> rollouts = new TreeSet<>();
    List<RemediationRecord> rateCounted = past.stream().filter(r -> ACTED.contains(r.getOutcome())
        && countsForRateLimit(r) && after(r.getTime(), now.minus(policy.rateLimitPer()))).toList();
    long recentActs = rateCounted.size();
    int chosen = 0;
    Set<String> slotsThisRound = new HashSet<>();
    for (int i = 0; i < candidates.size(); i++) {
      PodHealth pod = candidates.get(i);
      Match first = firstMatches.get(i);
      if (!freshness.get(i)) {
        String untrusted = ReportTimes.reportProblem(pod.status(), now);
        skips.add(untrusted != null ? skip(pod, first, SkipReason.InvalidTimestamp, untrusted)
            : skip(pod, first, SkipReason.StaleData, age(pod.status(), now) + ", older than staleAfter ("
                + policy.staleAfter().toSeconds() + "s): state unknown"));
        continue;
      }
      if (pod.excluded()) {
        skips.add(skip(pod, first, SkipReason.Excluded, "pod is labelled workerhealth.io/exclude"));
        continue;
      }
      if (suppressed == SkipReason.Paused) {
        skips.add(skip(pod, first, suppressed, suppressedMessage));
        continue;
      }
      boolean outage = suppressed != null;
      // report-only rules keep reporting during an outage: they are not remediations
      Match match = firstMatch(policy.rules(), pod, now, true, outage ? null : settleSince);
      if (match == null) {
        if (outage && !first.rule().reportOnly()) {
          skips.add(skip(pod, first, suppressed, suppressedMessage));
          continue;
        }
        Duration held = Duration.between(first.since(), now);
        boolean settling = !outage && settleSince != null && settleSince.isAfter(first.since());
        Instant heldFrom = settling ? settleSince : first.since();
        next.at(heldFrom.plus(first.rule().forDuration()));
        skips.add(skip(pod, first, SkipReason.NotLongEnough, describe(first) + " for " + held.toSeconds() + "s of "
            + first.rule().forDuration().toSeconds() + "s" + (settling ? "; settling after too many pods were "
            + "unhealthy until " + settleSince.plus(first.rule().forDuration()) : "")));
        continue;
      }
      if (outage && !match.rule().reportOnly()) {
        outageCandidates.add(new OutageCandidate(pod, match)); // the recovery decides for it below
        continue;
      }
      if (inFlightUids.contains(pod.podUid())) {
        skips.add(skip(pod, match, SkipReason.InFlight, "a remediation of this pod is already under way"));
        continue;
      }
      boolean dryRun = policy.dryRun();
      Resolved resolved = resolve(match.rule(), match, pod, past, results, effectiveness, escalations, now);
      if (resolved.hold() != null) {
        skips.add(skip(pod, match, resolved.hold(), resolved.message()));
        attention.add(new Plan.Attention(match.rule().name(), match.worker(), pod.slot(), resolved.hold(),
            resolved.message()));
        continue;
      }
      RemediationAction action = resolved.step().action();
      Integer stepIndex = match.rule().escalating() ? resolved.index() : null;
      if (action == RemediationAction.ScaleTarget) {
        // decided per target below, from all the pods that ask for it
        scaleRequests.computeIfAbsent(match.rule().name(), k -> new ArrayList<>())
            .add(new ScaleRequest(pod, match, resolved.index()));
        continue;
      }
      if ((action == RemediationAction.None || dryRun) && alreadyDecided(past, pod, match, action, stepIndex)) {
        skips.add(skip(pod, match, SkipReason.AlreadyDecided,
            "already recorded for this failure (since " + match.since() + ")"));
        continue;
      }
      if (action == RemediationAction.None) {
        // report only: recorded and announced, nothing is touched, so no limit applies
        String why = describe(match) + " for " + Duration.between(match.since(), now).toSeconds() + "s";
        if (stepIndex != null) {
          why = why + "; escalation reached its final step (None): needs a human";
          attention.add(new Plan.Attention(match.rule().name(), match.worker(), pod.slot(), SkipReason.Escalated, why));
        }
        actions.add(new Plan.Decision(action, pod.pod(), pod.podUid(), pod.slot(), match.worker(), match.rule().name(),
            match.since(), dryRun, why, stepIndex, null, null, null));
        continue;
      }
      Plan.Skip unsafe = restartHazard(policy, pod, match, rollouts);
      if (unsafe != null) {
        skips.add(unsafe);
        continue;
      }
      List<RemediationRecord> inSlot = past.stream()
          .filter(r -> ACTED.contains(r.getOutcome()) && r.getRecovery() == null && pod.slot().equals(r.getSlot())
              && parse(r.getTime()) != null)
          .sorted(Comparator.comparing((RemediationRecord r) -> parse(r.getTime())).reversed()).toList();
      Instant lastInSlot = inSlot.isEmpty() ? null : parse(inSlot.get(0).getTime());
      int inARow = inARow(inSlot, match.since(), policy.cooldownResetAfter());
      Duration cooldown = policy.cooldownAfter(inARow);
      if (slotsThisRound.contains(pod.slot())
          || lastInSlot != null && lastInSlot.plus(cooldown).isAfter(now)) {
        if (lastInSlot != null) {
          next.at(lastInSlot.plus(cooldown)); // retried when the cooldown ends, not at the next resync
        }
        skips.add(skip(pod, match, SkipReason.Cooldown, pod.slot() + " was remediated "
            + (lastInSlot == null || slotsThisRound.contains(pod.slot()) ? "in this round"
                : Duration.between(lastInSlot, now).toSeconds() + "s ago")
            + ", cooldown is " + cooldown.toSeconds() + "s"
            + (inARow > 1 ? " (doubled for " + inARow + " remediations in a row, up to maxCooldown "
                + policy.maxCooldown().toSeconds() + "s)" : "")
            + (lastInSlot == null || slotsThisRound.contains(pod.slot()) ? ""
                : "; next try at " + lastInSlot.plus(cooldown))));
        continue;
      }
      if (recentActs + chosen >= policy.rateLimitMax()) {
        rateLimitEnds(rateCounted, policy, next);
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
              + (dryRun ? " (dry run)" : ""), stepIndex, null, null, null));
    }

    // an outage: the recovery's canary or rolling restarts, else every pod a rule acts on is held
    Set<String> decided = new HashSet<>();
    candidates.forEach(p -> decided.add(p.podUid())); // each already acted on or skipped, or an outage candidate
    chosen += recover(policy, recovery, pods, decided, outageCandidates, past, results, effectiveness, escalations, inFlightUids,
        recentActs + chosen, rateCounted, suppressed, suppressedMessage, actions, skips, rollouts, next, now);
    actions.stream().filter(d -> d.recovery() == RecoveryPhase.Canary).findFirst().ifPresent(d -> {
      recovery.state().setCanaryPod(d.pod());
      recovery.state().setMessage("canary " + d.pod() + " restarted to find out whether the shared dependency is back");
    });
    if (recovery.attention()) {
      attention.add(new Plan.Attention("recovery", "*", "outage", SkipReason.RecoveryFailing,
          "outage recovery keeps failing: " + recovery.state().getMessage()));
    }

    // ScaleTarget: per rule and target, from every pod that asks, and stepping back down when enough are healthy
    Map<String, ScaleTargetState> states = new LinkedHashMap<>();
    in.scaleTargets().forEach(st -> states.put(st.getTarget(), st));
    List<Plan.TargetProblem> problems = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    long rateUsed = recentActs + chosen;
    for (PolicySettings.Rule rule : policy.rules()) {
      if (rule.scale() == null || policy.paused()) {
        continue;
      }
      Plan.Decision d = planScale(policy, rule, pods, scaleRequests.getOrDefault(rule.name(), List.of()),
          in.targets().get(rule.scale().target()), states, past, rateUsed, skips, problems, notes, in.outageSeen(),
          next, now);
      if (d != null) {
        actions.add(d);
        rateUsed += d.scaleUp() ? 1 : 0;
      }
    }
    // states of targets no rule scales any more are dropped: nothing would bring them back
    Set<String> scaled = new HashSet<>();
    policy.rules().stream().filter(r -> r.scale() != null).forEach(r -> scaled.add(r.scale().target()));
    states.keySet().retainAll(scaled);
    return new Plan(actions, skips, new Plan.Counts(selected, healthy, failing, unknown, notReporting.size()),
        inFlightUids.size(), suppressed, suppressedMessage, verified, effectiveness, new ArrayList<>(states.values()),
        escalations, attention, problems, notes, recovery.state(), notReporting, new ArrayList<>(rollouts),
        holdsEnded, next.earliest());
  }

  /** A pod held by an outage whose rule would remediate it: the recovery decides for it. */
  private record OutageCandidate(PodHealth pod, Match match) {}

  /** The earliest future instant at which something held by time would change. */
  private static final class NextTry {
    private final Instant now;
    private Instant earliest;

    NextTry(Instant now) {
      this.now = now;
    }

    void at(Instant t) {
      if (t != null && t.isAfter(now) && (earliest == null || t.isBefore(earliest))) {
        earliest = t;
      }
    }

    Instant earliest() {
      return earliest;
    }
  }

  /**
   * Canary or rolling restarts of the outage's candidates (exempt from the slot cooldown, and rolling ones from the
   * rate limit); every candidate not restarted is skipped with the suppression. Returns how many were chosen.
   */
  private int recover(PolicySettings policy, OutageRecoveryPlanner.Round recovery, List<PodHealth> pods,
                      Set<String> decided, List<OutageCandidate> candidates,
                      List<RemediationRecord> past, Map<RemediationRecord, VerificationResult> results,
                      List<ActionEffectiveness> effectiveness, List<Plan.Escalation> escalations,
                      Set<String> inFlightUids, long rateUsed, List<RemediationRecord> rateCounted,
                      SkipReason suppressed, String suppressedMessage, List<Plan.Decision> actions,
                      List<Plan.Skip> skips, Set<String> rollouts, NextTry next, Instant now) {
    OutageRecoveryPlanner.Mode mode = recovery.mode();
    Set<String> unverified = new HashSet<>(inFlightUids);
    past.stream().filter(r -> r.getRecovery() != null && ACTED.contains(r.getOutcome()) && !results.containsKey(r)
        && r.getPodUID() != null).forEach(r -> unverified.add(r.getPodUID()));
    boolean canaryInFlight = past.stream().anyMatch(r -> r.getRecovery() == RecoveryPhase.Canary
        && ACTED.contains(r.getOutcome()) && !results.containsKey(r));
    int budget = switch (mode) {
      case CANARY -> canaryInFlight || inFlightUids.size() >= policy.maxConcurrent() ? 0 : 1;
      case ROLLING -> policy.maxConcurrent() - unverified.size();
      default -> 0;
    };
    RemediationRecord lastCanary = lastCanary(past);
    List<OutageCandidate> ordered = new ArrayList<>(candidates);
    if (mode == OutageRecoveryPlanner.Mode.CANARY && lastCanary != null) {
      // the last canary's replacement is the next canary even when it does not fail a worker but cannot be scraped
      // (an app that refuses to start while the dependency is down): only the canary pays, not another pod
      PolicySettings.Rule rule = policy.rules().stream().filter(x -> x.name().equals(lastCanary.getRule()))
          .findFirst().orElse(null);
      for (PodHealth p : pods) {
        WorkerHealthStatus st = p.status();
        if (rule != null && lastCanary.getWorker() != null && replaces(p, lastCanary) && !decided.contains(p.podUid())
            && !p.excluded() && st != null && isFresh(st, policy.staleAfter(), now)
            && st.getPhase() != HealthPhase.Healthy) {
          ordered.add(new OutageCandidate(p, new Match(rule, lastCanary.getWorker(),
              p.created() == null ? now : p.created())));
        }
      }
    }
    ordered.sort(Comparator.comparing((OutageCandidate c) -> mode == OutageRecoveryPlanner.Mode.CANARY
            && lastCanary != null && replaces(c.pod(), lastCanary) ? 0 : 1)
        .thenComparing(c -> c.match().since()).thenComparing(c -> c.pod().pod()));
    int chosen = 0;
    for (OutageCandidate c : ordered) {
      PodHealth pod = c.pod();
      Match match = c.match();
      String waiting = suppressedMessage + (mode == OutageRecoveryPlanner.Mode.CANARY ? "; one canary at a time"
          : mode == OutageRecoveryPlanner.Mode.ROLLING ? "; rolling, " + policy.maxConcurrent() + " at a time" : "");
      if (inFlightUids.contains(pod.podUid())) {
        skips.add(skip(pod, match, SkipReason.InFlight, "a remediation of this pod is already under way"));
        continue;
      }
      if (chosen >= budget) {
        skips.add(skip(pod, match, suppressed, waiting));
        continue;
      }
      Resolved resolved = resolve(match.rule(), match, pod, past, results, effectiveness, escalations, now);
      if (resolved.hold() != null) {
        skips.add(skip(pod, match, resolved.hold(), resolved.message()));
        continue;
      }
      if (resolved.step().action() != RemediationAction.RestartPod) {
        skips.add(skip(pod, match, suppressed, suppressedMessage + "; only restarts recover an outage"));
        continue;
      }
      Plan.Skip unsafe = restartHazard(policy, pod, match, rollouts);
      if (unsafe != null) {
        skips.add(unsafe);
        continue;
      }
      if (mode == OutageRecoveryPlanner.Mode.CANARY && rateUsed + chosen >= policy.rateLimitMax()) {
        rateLimitEnds(rateCounted, policy, next);
        skips.add(skip(pod, match, SkipReason.RateLimited, "canary: " + (rateUsed + chosen) + " remediations within "
            + "the last " + policy.rateLimitPer().toSeconds() + "s, the limit is " + policy.rateLimitMax()));
        continue;
      }
      RecoveryPhase role = mode == OutageRecoveryPlanner.Mode.CANARY ? RecoveryPhase.Canary : RecoveryPhase.Rolling;
      if (policy.dryRun() && past.stream().anyMatch(r -> r.getRecovery() == role
          && r.getOutcome() == RemediationOutcome.DryRun && Objects.equals(r.getPodUID(), pod.podUid()))) {
        skips.add(skip(pod, match, SkipReason.AlreadyDecided, "already recorded for this outage (dry run)"));
        continue;
      }
      chosen++;
      actions.add(new Plan.Decision(RemediationAction.RestartPod, pod.pod(), pod.podUid(), pod.slot(), match.worker(),
          match.rule().name(), match.since(), policy.dryRun(), (role == RecoveryPhase.Canary
              ? "outage recovery: canary, to find out whether the shared dependency is back; "
              : "outage recovery: rolling restart; ") + describe(match) + " for "
              + Duration.between(match.since(), now).toSeconds() + "s" + (policy.dryRun() ? " (dry run)" : ""),
          null, null, null, null, role));
    }
    return chosen;
  }

  /** The newest canary restart of the history, or null. */
  private static RemediationRecord lastCanary(List<RemediationRecord> past) {
    return past.stream().filter(r -> r.getRecovery() == RecoveryPhase.Canary && ACTED.contains(r.getOutcome())
        && parse(r.getTime()) != null).max(Comparator.comparing(r -> parse(r.getTime()))).orElse(null);
  }

  /** The pod took the place of the record's pod: same workload slot, another pod, created at or after it. */
  private static boolean replaces(PodHealth p, RemediationRecord r) {
    Instant t = parse(r.getTime());
    return t != null && Objects.equals(p.slot(), r.getSlot()) && !Objects.equals(p.podUid(), r.getPodUID())
        && (p.created() == null || !p.created().isBefore(t.truncatedTo(ChronoUnit.SECONDS)));
  }

  /** What the recovery planner needs to know of this round. */
  private static OutageRecoveryPlanner.Situation situation(PlanInputs in, List<PodHealth> pods,
                                                           List<RemediationRecord> past,
                                                           Map<RemediationRecord, VerificationResult> results,
                                                           boolean tooMany, String tooManyMessage, int failing,
                                                           PolicySettings policy, Instant now) {
    boolean inFlight = past.stream().anyMatch(r -> r.getRecovery() != null && ACTED.contains(r.getOutcome())
        && !results.containsKey(r));
    Instant phaseSince = in.recovery() == null ? null : ReportTimes.parse(in.recovery().getPhaseSince());
    VerificationResult phaseResult = null;
    for (RemediationRecord r : past) {
      Instant t = parse(r.getTime());
      VerificationResult result = results.get(r);
      // a canary's verdict reached in this round has not been acted on yet, whatever the phase's start says (a
      // status written by a replica whose clock runs ahead, or edited): ignored, its canary would look judged and
      // another one start at once. Verdicts recorded earlier, and rolling restarts from before a backoff, belong to
      // the phase they ended
      boolean canaryJudgedNow = r.getRecovery() == RecoveryPhase.Canary && r.getVerification() == null;
      if (r.getRecovery() == null || result == null || t == null
          || !canaryJudgedNow && (phaseSince == null || t.isBefore(phaseSince))) {
        continue;
      }
      if (result == VerificationResult.NotRecovered) {
        phaseResult = VerificationResult.NotRecovered;
      } else if (phaseResult == null) {
        phaseResult = VerificationResult.Recovered;
      }
    }
    RemediationRecord canary = lastCanary(past);
    Instant canaryTime = canary == null ? null : parse(canary.getTime());
    boolean lateRecovery = canary != null && canaryTime != null && canary.getWorker() != null
        && pods.stream().anyMatch(p -> replaces(p, canary)
            && healthySince(p, canary.getWorker(), canaryTime, policy, now));
    Instant verdictDue = null;
    for (RemediationRecord r : past) {
      PolicySettings.Rule rule = policy.rules().stream().filter(x -> x.name().equals(r.getRule())).findFirst()
          .orElse(null);
      Instant t = parse(r.getTime());
      if (r.getRecovery() != null && ACTED.contains(r.getOutcome()) && !results.containsKey(r) && rule != null
          && t != null && (verdictDue == null || t.plus(rule.verificationWindow()).isBefore(verdictDue))) {
        verdictDue = t.plus(rule.verificationWindow());
      }
    }
    return new OutageRecoveryPlanner.Situation(tooMany, tooManyMessage, failing, inFlight, phaseResult, lateRecovery,
        in.dependency(), verdictDue);
  }

  /**
   * Why restarting this pod would do harm, or null: a bare pod (eviction deletes it for good) unless allowed; a pod
   * whose workload is in the middle of a rollout (the restart would fight it).
   */
  private static Plan.Skip restartHazard(PolicySettings policy, PodHealth pod, Match match, Set<String> rollouts) {
    if (pod.bare() && !policy.evictBarePods()) {
      return skip(pod, match, SkipReason.BarePod, "pod " + pod.pod() + " has no controller: evicting it would delete "
          + "it for good (spec.evictBarePods allows it)");
    }
    if (pod.rollout() != null) {
      rollouts.add(pod.rollout());
      return skip(pod, match, SkipReason.RolloutInProgress, pod.rollout() + " is in the middle of a rollout: a "
          + "restart would fight it; waiting for the rollout to end");
    }
    return null;
  }

  /**
   * Remediations of a slot in a row (newest first, non-recovery records with a time): each one counts while the
   * failure after it began within cooldownResetAfter of it (a record without failingSince ends the row). 0 when the slot has none, or when the current failure
   * began at least cooldownResetAfter after the last one (the slot stayed healthy that long).
   */
  static int inARow(List<RemediationRecord> newestFirst, Instant failingSince, Duration resetAfter) {
    Instant newer = failingSince;
    int n = 0;
    for (RemediationRecord r : newestFirst) {
      Instant t = parse(r.getTime());
      if (newer != null && !newer.isBefore(t.plus(resetAfter))) {
        break; // healthy for resetAfter after r: the streak ends there
      }
      n++;
      newer = parse(r.getFailingSince());
      if (newer == null) {
        break; // when the failure it answered began is not known, neither is how long the slot was healthy before
      }
    }
    return n;
  }

  /** When the oldest remediation the rate limit counts leaves its window. */
  private static void rateLimitEnds(List<RemediationRecord> counted, PolicySettings policy, NextTry next) {
    counted.stream().map(r -> parse(r.getTime())).filter(Objects::nonNull).min(Comparator.naturalOrder())
        .ifPresent(t -> next.at(t.plus(policy.rateLimitPer())));
  }

  /** Actions still inside their verification window: looked at again when it ends. */
  private static void verificationsDue(PolicySettings policy, List<RemediationRecord> past,
                                       Map<RemediationRecord, VerificationResult> results, NextTry next) {
    for (RemediationRecord r : past) {
      PolicySettings.Rule rule = policy.rules().stream().filter(x -> x.name().equals(r.getRule())).findFirst()
          .orElse(null);
      Instant t = parse(r.getTime());
      if (rule != null && t != null && !results.containsKey(r) && r.getOutcome() == RemediationOutcome.Succeeded
          && r.getAction() != RemediationAction.None) {
        next.at(t.plus(rule.verificationWindow()));
      }
    }
  }

  /**
   * One ScaleTarget rule's decision. Scale up by 'step' (never above maxReplicas) when a pod's worker failure asks
   * for it and fewer than minHealthy pods are healthy for the rule; hold when every selected pod fails the same
   * worker (a shared dependency: more pods would fail too), when an autoscaler drives the target, within the
   * cooldown after the last change, and at the rate limit. Step back down by 'step', towards the replicas the target
   * had before the operator first scaled it, once at least minHealthy pods have been healthy for
   * stabilizationWindow. Replicas other than the ones the operator last set mean someone else changed them: they are
   * adopted (the operator forgets its baseline and does not step down).
   */
  private Plan.Decision planScale(PolicySettings policy, PolicySettings.Rule rule, List<PodHealth> pods,
                                  List<ScaleRequest> requests, ScaleTargetObservation target,
                                  Map<String, ScaleTargetState> states, List<RemediationRecord> past, long rateUsed,
                                  List<Plan.Skip> skips, List<Plan.TargetProblem> problems, List<String> notes,
                                  Instant outageSeen, NextTry next, Instant now) {
    PolicySettings.Scale scale = rule.scale();
    String key = scale.target();
    ScaleRequest first = requests.isEmpty() ? null : requests.get(0);
    if (target == null || target.problem() != null || target.replicas() == null) {
      String msg = key + " cannot be scaled: " + (target == null ? "its state is unknown" : target.problem() == null
          ? "its replicas are unknown" : target.problem());
      problems.add(new Plan.TargetProblem(rule.name(), key, SkipReason.TargetUnavailable, msg));
      requests.forEach(r -> skips.add(skip(r.pod(), r.match(), SkipReason.TargetUnavailable, msg)));
      return null;
    }
    if (target.drivenBy() != null) {
      String msg = target.drivenBy() + " drives " + key + "; the operator does not scale a target an autoscaler "
          + "manages";
      problems.add(new Plan.TargetProblem(rule.name(), key, SkipReason.AutoscalerManaged, msg));
      requests.forEach(r -> skips.add(skip(r.pod(), r.match(), SkipReason.AutoscalerManaged, msg)));
      return null;
    }
    int current = target.replicas();
    ScaleTargetState state = states.get(key);
    if (state != null && state.getLastSetReplicas() != null && state.getLastSetReplicas() != current) {
      notes.add(key + " has " + current + " replicas, not the " + state.getLastSetReplicas() + " the operator set: "
          + "someone else changed it; adopting " + current + " and not stepping down");
      states.remove(key);
      state = null;
    }
    int healthyCount = healthyFor(rule, pods, policy, now);
    boolean wantMore = first != null && healthyCount < scale.minHealthy();
    if (wantMore) {
      if (state != null && state.getEnoughHealthySince() != null) {
        states.put(key, copy(state, s -> s.setEnoughHealthySince(null)));
      }
      String outageWorker = sharedFailure(rule, pods, policy, now);
      String skipMsg = null;
      SkipReason reason = null;
      Instant last = state == null ? null : parse(state.getLastScaleTime());
      if (outageWorker != null) {
        reason = SkipReason.OutageHold;
        skipMsg = "every selected pod (" + pods.size() + ") fails " + (outageWorker.equals("*")
            ? "its health endpoint" : "worker " + outageWorker) + ": likely a shared dependency; more replicas would "
            + "fail too, not scaling " + key;
      } else if (outageSeen != null && outageSeen.plus(rule.forDuration()).isAfter(now)) {
        next.at(outageSeen.plus(rule.forDuration()));
        reason = SkipReason.OutageHold;
        skipMsg = "every selected pod failed the same worker until " + outageSeen + ": pods recovering from it are "
            + "left 'for' (" + rule.forDuration().toSeconds() + "s) to report healthy before " + key + " is scaled";
      } else if (current >= scale.maxReplicas()) {
        reason = SkipReason.AtMaxReplicas;
        skipMsg = key + " has " + current + " replicas, maxReplicas is " + scale.maxReplicas() + "; " + healthyCount
            + " of minHealthy " + scale.minHealthy() + " pods healthy";
      } else if (last != null && last.plus(policy.cooldown()).isAfter(now)) {
        next.at(last.plus(policy.cooldown()));
        reason = SkipReason.Cooldown;
        skipMsg = key + " was scaled " + Duration.between(last, now).toSeconds() + "s ago, cooldown is "
            + policy.cooldown().toSeconds() + "s";
      } else if (rateUsed >= policy.rateLimitMax()) {
        reason = SkipReason.RateLimited;
        skipMsg = rateUsed + " remediations within the last " + policy.rateLimitPer().toSeconds() + "s, the limit is "
            + policy.rateLimitMax();
      } else if (policy.dryRun() && alreadyDecided(past, first.pod(), first.match(), RemediationAction.ScaleTarget,
          rule.escalating() ? first.stepIndex() : null)) {
        reason = SkipReason.AlreadyDecided;
        skipMsg = "already recorded for this failure (since " + first.match().since() + ")";
      }
      if (reason != null) {
        skips.add(skip(first.pod(), first.match(), reason, skipMsg));
        return null;
      }
      int to = Math.min(current + scale.step(), scale.maxReplicas());
      if (!policy.dryRun()) {
        int baseline = state == null ? current : state.getBaselineReplicas();
        states.put(key, new ScaleTargetState(key, rule.name(), baseline, to, now.toString(), null));
      }
      Match m = first.match();
      return new Plan.Decision(RemediationAction.ScaleTarget, first.pod().pod(), first.pod().podUid(),
          first.pod().slot(), m.worker(), rule.name(), m.since(), policy.dryRun(),
          describe(m) + " for " + Duration.between(m.since(), now).toSeconds() + "s; " + healthyCount + " of minHealthy "
              + scale.minHealthy() + " pods healthy: scaling " + key + " from " + current + " to " + to
              + (policy.dryRun() ? " (dry run)" : ""),
          rule.escalating() ? first.stepIndex() : null, key, current, to);
    }
    if (state == null) {
      return null;
    }
    int baseline = state.getBaselineReplicas() == null ? current : state.getBaselineReplicas();
    if (current <= baseline) {
      states.remove(key); // back where it started (or below, by someone else's hand): nothing left to undo
      return null;
    }
    if (healthyCount < scale.minHealthy()) {
      states.put(key, copy(state, s -> s.setEnoughHealthySince(null)));
      return null;
    }
    Instant since = parse(state.getEnoughHealthySince());
    if (since == null) {
      states.put(key, copy(state, s -> s.setEnoughHealthySince(now.toString())));
      return null;
    }
    if (since.plus(scale.stabilizationWindow()).isAfter(now) || policy.dryRun()) {
      next.at(policy.dryRun() ? null : since.plus(scale.stabilizationWindow()));
      return null;
    }
    int to = Math.max(baseline, current - scale.step());
    if (to == baseline) {
      states.remove(key);
    } else {
      states.put(key, new ScaleTargetState(key, rule.name(), baseline, to, now.toString(), now.toString()));
    }
    return new Plan.Decision(RemediationAction.ScaleTarget, null, null, key, null, rule.name(), null, false,
        healthyCount + " pods healthy (minHealthy " + scale.minHealthy() + ") for "
            + Duration.between(since, now).toSeconds() + "s: stepping " + key + " back down from " + current + " to "
            + to + " (baseline " + baseline + ")", null, key, current, to);
  }

  private static ScaleTargetState copy(ScaleTargetState s, java.util.function.Consumer<ScaleTargetState> change) {
    ScaleTargetState c = new ScaleTargetState(s.getTarget(), s.getRule(), s.getBaselineReplicas(),
        s.getLastSetReplicas(), s.getLastScaleTime(), s.getEnoughHealthySince());
    change.accept(c);
    return c;
  }

  /**
   * Fresh selected pods that report at least one of the rule's workers and have all of them Healthy: the instances
   * ScaleTarget counts against minHealthy.
   */
  static int healthyFor(PolicySettings.Rule rule, List<PodHealth> pods, PolicySettings policy, Instant now) {
    int n = 0;
    for (PodHealth p : pods) {
      WorkerHealthStatus s = p.status();
      if (s == null || !isFresh(s, policy.staleAfter(), now) || s.getPhase() == HealthPhase.Unreachable) {
        continue;
      }
      boolean any = false;
      boolean allHealthy = true;
      for (WorkerState w : s.getWorkers()) {
        if (rule.matchesWorker(w.getName())) {
          any = true;
          allHealthy &= w.getStatus() == WorkerStatus.Healthy;
        }
      }
      n += any && allHealthy ? 1 : 0;
    }
    return n;
  }

  /**
   * The worker (or '*' for the health endpoint) every selected pod fails in a state the rule acts on, when there are
   * at least two selected pods and all of them are fresh: the signature of a shared dependency being down. Else null.
   */
  /** Whether every selected pod fails the same worker some ScaleTarget rule watches: an outage, scaling holds. */
  public static boolean outage(PolicySettings policy, List<PodHealth> pods, Instant now) {
    return policy.rules().stream().anyMatch(r -> r.scale() != null && sharedFailure(r, pods, policy, now) != null);
  }

  static String sharedFailure(PolicySettings.Rule rule, List<PodHealth> pods, PolicySettings policy, Instant now) {
    if (pods.size() < 2) {
      return null;
    }
    Set<String> common = null;
    for (PodHealth p : pods) {
      WorkerHealthStatus s = p.status();
      if (s == null || !isFresh(s, policy.staleAfter(), now)) {
        return null;
      }
      Set<String> failingHere = new HashSet<>();
      if (s.getPhase() == HealthPhase.Unreachable) {
        if (rule.when().contains(WorkerCondition.Unreachable)) {
          failingHere.add("*");
        }
      } else {
        for (WorkerState w : s.getWorkers()) {
          WorkerCondition c = condition(w.getStatus());
          if (c != null && rule.when().contains(c) && rule.matchesWorker(w.getName())) {
            failingHere.add(w.getName());
          }
        }
      }
      if (common == null) {
        common = failingHere;
      } else {
        common.retainAll(failingHere);
      }
      if (common.isEmpty()) {
        return null;
      }
    }
    return common.stream().sorted().findFirst().orElse(null);
  }

  /**
   * Which step of the rule acts for this worker on this pod's workload slot. The escalation's memory is the history:
   * the records of this rule, worker and slot since the last one verified Recovered (an action that helped ends the
   * episode). The current step is the newest record's; it hands over to the next when it acted maxAttempts times
   * within its window, or when its action did not help maxNotRecovered times in a row for the worker. A plain rule
   * has one step: when its action stops helping, it holds (NotHelping).
   */
  private static Resolved resolve(PolicySettings.Rule rule, Match match, PodHealth pod, List<RemediationRecord> past,
                                  Map<RemediationRecord, VerificationResult> results,
                                  List<ActionEffectiveness> effectiveness, List<Plan.Escalation> escalations,
                                  Instant now) {
    List<PolicySettings.Step> steps = rule.steps();
    List<RemediationRecord> episode = new ArrayList<>();
    int cur = 0;
    if (rule.escalating()) {
      for (RemediationRecord r : past) {
        if (!rule.name().equals(r.getRule()) || !match.worker().equals(r.getWorker())
            || !Objects.equals(pod.slot(), r.getSlot()) || r.getStep() == null) {
          continue;
        }
        if (results.get(r) == VerificationResult.Recovered) {
          break;
        }
        if (DECIDED.contains(r.getOutcome())) {
          episode.add(r);
        }
      }
      if (!episode.isEmpty()) {
        cur = Math.min(Math.max(episode.get(0).getStep(), 0), steps.size() - 1);
      }
    }
    while (true) {
      PolicySettings.Step step = steps.get(cur);
      final int index = cur;
      if (rule.escalating() && step.action() == RemediationAction.None
          && episode.stream().anyMatch(r -> r.getStep() == index)) {
        return new Resolved(cur, step, SkipReason.Escalated, "escalation for worker " + match.worker() + " on "
            + pod.slot() + " reached its final step (None): not acting, a human is needed");
      }
      int notRecovered = step.action() == RemediationAction.None ? 0
          : consecutiveNotRecovered(effectiveness, rule.name(), match.worker(), step.action());
      String until = step.action() == RemediationAction.None ? null
          : heldUntil(effectiveness, rule.name(), match.worker(), step.action());
      boolean notHelping = notRecovered >= rule.maxNotRecovered();
      long attempts = !rule.escalating() ? 0 : episode.stream().filter(r -> r.getStep() == index
          && after(r.getTime(), now.minus(step.within()))).count();
      boolean exhausted = rule.escalating() && attempts >= step.maxAttempts();
      if (!notHelping && !exhausted) {
        return new Resolved(cur, step, null, null);
      }
      String why = notHelping ? step.action() + " did not help worker " + match.worker() + " " + notRecovered
          + " times in a row (verification.maxNotRecovered " + rule.maxNotRecovered() + ")"
          : step.action() + " acted " + attempts + " times within " + step.within().toSeconds() + "s on " + pod.slot()
              + " and worker " + match.worker() + " still fails";
      if (cur + 1 < steps.size()) {
        escalations.add(new Plan.Escalation(rule.name(), match.worker(), pod.slot(), pod.pod(), step.action(),
            steps.get(cur + 1).action(), cur + 1, why));
        cur++;
        continue;
      }
      return new Resolved(cur, step, SkipReason.NotHelping, why + ": not repeating it"
          + (until == null ? "" : " until " + until + " (verification.holdFor), or until the spec changes or the worker "
              + "is healthy again") + ": a human is needed");
    }
  }

  private static String heldUntil(List<ActionEffectiveness> effectiveness, String rule, String worker,
                                  RemediationAction action) {
    return effectiveness.stream().filter(e -> rule.equals(e.getRule()) && worker.equals(e.getWorker())
        && e.getAction() == action).map(ActionEffectiveness::getHeldUntil).filter(Objects::nonNull).findFirst()
        .orElse(null);
  }

  private static int consecutiveNotRecovered(List<ActionEffectiveness> effectiveness, String rule, String worker,
                                             RemediationAction action) {
    return effectiveness.stream().filter(e -> rule.equals(e.getRule()) && worker.equals(e.getWorker())
            && e.getAction() == action)
        .map(e -> e.getConsecutiveNotRecovered() == null ? 0 : e.getConsecutiveNotRecovered()).findFirst().orElse(0);
  }

  /**
   * Verification of earlier actions. RestartPod: Recovered once a pod of the same workload slot other than the
   * evicted one reports the worker Healthy since the restart (the replacement). ScaleTarget (scale-ups only):
   * Recovered once at least minHealthy pods are healthy for the rule. NotRecovered when the rule's verification window
   * ends first. A final None step of an escalation is Recovered when the slot's pods report the worker Healthy again
   * (ending the escalation), and never NotRecovered.
   */
  static List<Plan.Verified> verify(PolicySettings policy, List<PodHealth> pods, List<RemediationRecord> past,
                                    Instant now) {
    Map<String, PolicySettings.Rule> rules = new HashMap<>();
    policy.rules().forEach(r -> rules.put(r.name(), r));
    List<Plan.Verified> out = new ArrayList<>();
    for (RemediationRecord r : past) {
      PolicySettings.Rule rule = rules.get(r.getRule());
      Instant t = parse(r.getTime());
      if (r.getVerification() != null || rule == null || t == null || r.getWorker() == null) {
        continue;
      }
      boolean done = r.getOutcome() == RemediationOutcome.Succeeded;
      boolean recovered;
      String how;
      if (r.getAction() == RemediationAction.RestartPod && done) {
        recovered = pods.stream().anyMatch(p -> replaces(p, r) && healthySince(p, r.getWorker(), t, policy, now));
        how = "worker " + r.getWorker() + (recovered ? " healthy on the replacement of " : " not healthy on a "
            + "replacement of ") + r.getPod();
      } else if (r.getAction() == RemediationAction.ScaleTarget && done && r.getToReplicas() != null
          && r.getFromReplicas() != null && r.getToReplicas() > r.getFromReplicas() && rule.scale() != null) {
        int healthy = healthyFor(rule, pods, policy, now);
        recovered = healthy >= rule.scale().minHealthy();
        how = healthy + " pods healthy after scaling " + r.getTarget() + " to " + r.getToReplicas() + ", minHealthy "
            + rule.scale().minHealthy();
      } else if (r.getAction() == RemediationAction.None && r.getStep() != null
          && r.getOutcome() == RemediationOutcome.Reported) {
        boolean anyHealthy = pods.stream().anyMatch(p -> Objects.equals(p.slot(), r.getSlot())
            && healthySince(p, r.getWorker(), null, policy, now));
        boolean anyFailing = pods.stream().anyMatch(p -> Objects.equals(p.slot(), r.getSlot())
            && !healthySince(p, r.getWorker(), null, policy, now));
        if (anyHealthy && !anyFailing) {
          out.add(new Plan.Verified(r, VerificationResult.Recovered, "worker " + r.getWorker() + " healthy again on "
              + r.getSlot() + ": escalation over"));
        }
        continue;
      } else {
        continue;
      }
      if (recovered) {
        out.add(new Plan.Verified(r, VerificationResult.Recovered, how));
      } else if (!t.plus(rule.verificationWindow()).isAfter(now)) {
        out.add(new Plan.Verified(r, VerificationResult.NotRecovered, how + " within "
            + rule.verificationWindow().toSeconds() + "s"));
      }
    }
    return out;
  }

  /** The pod is fresh and reports the worker Healthy (since {@code after}, when given). */
  private static boolean healthySince(PodHealth p, String worker, Instant after, PolicySettings policy, Instant now) {
    WorkerHealthStatus s = p.status();
    if (s == null || !isFresh(s, policy.staleAfter(), now) || s.getPhase() == HealthPhase.Unreachable) {
      return false;
    }
    if ("*".equals(worker)) {
      Instant ok = parse(s.getLastSuccessfulScrapeTime());
      return after == null || ok != null && ok.isAfter(after);
    }
    for (WorkerState w : s.getWorkers()) {
      if (worker.equals(w.getName()) && w.getStatus() == WorkerStatus.Healthy) {
        Instant since = w.getLastTransitionTime() == null ? null : ReportTimes.transitionTime(w, now);
        return after == null || since != null && !since.isBefore(after);
      }
    }
    return false;
  }

  /** Effectiveness with this round's results counted; entries of rules no longer in the policy are dropped. */
  static List<ActionEffectiveness> effectiveness(PolicySettings policy, List<ActionEffectiveness> before,
                                                 List<Plan.Verified> verified, Instant now) {
    return effectiveness(policy, before, verified, List.of(), false, new ArrayList<>(), now);
  }

  /**
   * Effectiveness with this round's results counted (outage recovery restarts are not: they say whether the
   * dependency is back, not whether the action helps the worker); entries of rules no longer in the policy are
   * dropped. A hold on an action that did not help maxNotRecovered times in a row ends — the count starts again —
   * after the rule's verification.holdFor, when the spec changed, or when the worker is healthy on every selected
   * pod that reports it for the verification window; each end is added to {@code ended}.
   */
  static List<ActionEffectiveness> effectiveness(PolicySettings policy, List<ActionEffectiveness> before,
                                                 List<Plan.Verified> verified, List<PodHealth> pods,
                                                 boolean specChanged, List<Plan.HoldEnded> ended, Instant now) {
    Map<String, PolicySettings.Rule> rules = new HashMap<>();
    policy.rules().forEach(r -> rules.put(r.name(), r));
    Map<String, ActionEffectiveness> byKey = new LinkedHashMap<>();
    for (ActionEffectiveness e : before) {
      if (rules.containsKey(e.getRule())) {
        ActionEffectiveness c = new ActionEffectiveness(e.getRule(), e.getWorker(), e.getAction());
        c.setRecovered(e.getRecovered() == null ? 0 : e.getRecovered());
        c.setNotRecovered(e.getNotRecovered() == null ? 0 : e.getNotRecovered());
        c.setConsecutiveNotRecovered(e.getConsecutiveNotRecovered() == null ? 0 : e.getConsecutiveNotRecovered());
        c.setLastVerifiedTime(e.getLastVerifiedTime());
        c.setHeldUntil(e.getHeldUntil());
        byKey.put(e.getRule() + "/" + e.getWorker() + "/" + e.getAction(), c);
      }
    }
    for (Plan.Verified v : verified) {
      RemediationRecord r = v.record();
      if (r.getAction() == RemediationAction.None || r.getRecovery() != null) {
        continue; // the end of an escalation, or an outage recovery's restart: not the action's effect
      }
      ActionEffectiveness e = byKey.computeIfAbsent(r.getRule() + "/" + r.getWorker() + "/" + r.getAction(),
          k -> new ActionEffectiveness(r.getRule(), r.getWorker(), r.getAction()));
      if (v.result() == VerificationResult.Recovered) {
        e.setRecovered(e.getRecovered() + 1);
        e.setConsecutiveNotRecovered(0);
      } else {
        e.setNotRecovered(e.getNotRecovered() + 1);
        e.setConsecutiveNotRecovered(e.getConsecutiveNotRecovered() + 1);
      }
      e.setLastVerifiedTime(now.toString());
    }
    for (ActionEffectiveness e : byKey.values()) {
      PolicySettings.Rule rule = rules.get(e.getRule());
      if (e.getConsecutiveNotRecovered() < rule.maxNotRecovered()) {
        e.setHeldUntil(null);
        continue;
      }
      Instant until = parse(e.getHeldUntil());
      if (until == null) {
        Instant from = parse(e.getLastVerifiedTime());
        until = (from == null ? now : from).plus(rule.holdFor());
        e.setHeldUntil(until.toString());
      }
      String why = specChanged ? "the spec changed"
          : !now.isBefore(until) ? "held for verification.holdFor (" + rule.holdFor().toSeconds() + "s)"
          : healthyEverywhere(rule, e.getWorker(), pods, policy, now) ? "worker " + e.getWorker() + " healthy on every "
              + "selected pod for " + rule.verificationWindow().toSeconds() + "s"
          : null;
      if (why != null) {
        e.setConsecutiveNotRecovered(0);
        e.setHeldUntil(null);
        ended.add(new Plan.HoldEnded(e.getRule(), e.getWorker(), e.getAction(), "rule " + e.getRule() + " acts again "
            + "for worker " + e.getWorker() + " (" + e.getAction() + "): " + why));
      }
    }
    return new ArrayList<>(byKey.values());
  }

  /**
   * At least one fresh pod reports the worker, and every fresh pod that does reports it Healthy since at least the
   * rule's verification window ago.
   */
  private static boolean healthyEverywhere(PolicySettings.Rule rule, String worker, List<PodHealth> pods,
                                           PolicySettings policy, Instant now) {
    boolean any = false;
    for (PodHealth p : pods) {
      WorkerHealthStatus s = p.status();
      if (s == null || !isFresh(s, policy.staleAfter(), now)) {
        continue;
      }
      for (WorkerState w : s.getWorkers()) {
        if (!worker.equals(w.getName()) && !("*".equals(worker) && rule.matchesWorker(w.getName()))) {
          continue;
        }
        Instant since = ReportTimes.transitionTime(w, now);
        if (w.getStatus() != WorkerStatus.Healthy || since == null
            || since.plus(rule.verificationWindow()).isAfter(now)) {
          return false;
        }
        any = true;
      }
    }
    return any;
  }

  /** Actions the rate limit counts: restarts and scale-ups (stepping back down is a return to normal). */
  private static boolean countsForRateLimit(RemediationRecord r) {
    if (r.getAction() == RemediationAction.RestartPod) {
      return true;
    }
    return r.getAction() == RemediationAction.ScaleTarget && r.getToReplicas() != null && r.getFromReplicas() != null
        && r.getToReplicas() > r.getFromReplicas();
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
          Instant since = ReportTimes.transitionTime(w, now);
          if (since == null) {
            continue; // a time that cannot be believed: see untrustedWorkers
          }
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

  /** Workers a rule would act on but whose lastTransitionTime cannot be believed: one skip per worker. */
  private static List<Plan.Skip> untrustedWorkers(List<PolicySettings.Rule> rules, PodHealth pod, Instant now) {
    WorkerHealthStatus s = pod.status();
    List<Plan.Skip> out = new ArrayList<>();
    if (s.getPhase() == HealthPhase.Unreachable) {
      return out;
    }
    Set<String> seen = new HashSet<>();
    for (WorkerState w : s.getWorkers()) {
      if (w.getName() == null || ReportTimes.workerProblem(w, now) == null || !seen.add(w.getName())) {
        continue;
      }
      WorkerCondition condition = condition(w.getStatus());
      for (PolicySettings.Rule rule : rules) {
        if (condition != null && rule.when().contains(condition) && rule.matchesWorker(w.getName())) {
          out.add(new Plan.Skip(pod.pod(), w.getName(), rule.name(), SkipReason.InvalidTimestamp,
              ReportTimes.workerProblem(w, now)));
          break;
        }
      }
    }
    return out;
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
    Instant lastOk = ReportTimes.successfulScrapeTime(s, now);
    if (lastOk != null) {
      return lastOk;
    }
    Instant last = Objects.requireNonNullElse(ReportTimes.scrapeTime(s, now), now);
    int failures = s.getConsecutiveFailures() == null ? 1 : s.getConsecutiveFailures();
    return last.minusSeconds((long) failures * (intervalSeconds == null ? 0 : intervalSeconds));
  }

  /**
   * The same decision (action and escalation step) is already recorded for this failure of the worker on this pod.
   * Another step's record does not count: a ScaleTarget step leaves the pod and its failure as they were, and the
   * None step after it must still be recorded.
   */
  private static boolean alreadyDecided(List<RemediationRecord> past, PodHealth pod, Match match,
                                        RemediationAction action, Integer step) {
    return past.stream().anyMatch(r -> r.getAction() == action && Objects.equals(r.getStep(), step)
        && Objects.equals(r.getPodUID(), pod.podUid())
        && Objects.equals(r.getWorker(), match.worker()) && Objects.equals(r.getRule(), match.rule().name())
        && Objects.equals(parse(r.getFailingSince()), match.since()));
  }

  /** Reported within staleAfter, with times that can be believed (see {@link ReportTimes}). */
  static boolean isFresh(WorkerHealthStatus s, Duration staleAfter, Instant now) {
    Instant last = ReportTimes.scrapeTime(s, now);
    return last != null && ReportTimes.reportProblem(s, now) == null && !last.plus(staleAfter).isBefore(now);
  }

  private static String age(WorkerHealthStatus s, Instant now) {
    Instant last = s == null ? null : ReportTimes.scrapeTime(s, now);
    return last == null ? "never reported" : "last report " + Duration.between(last, now).toSeconds() + "s ago";
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
    return ReportTimes.parse(time);
  }
}
