package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.ActionEffectiveness;
import io.workerhealth.api.v1alpha1.HealthPhase;
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

/**
 * Decides remediations: (policy, selected pods' health, remediation history, now) → actions and skips, each with a
 * reason. Pure and deterministic: no clock, no I/O, and the same decisions whatever order the pods come in.
 *
 * <p>The safety limits, in the order they are applied: paused; too many pods failing at once (a shared dependency
 * is the likely cause, restarts would only add a reconnect storm); stale data; excluded pods; the rule's 'for';
 * a remediation of the pod already in flight; the slot's cooldown; the rate limit; maxConcurrent.
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

    // did the earlier actions help? decided before anything else: the cut-off and escalation depend on it
    List<Plan.Verified> verified = verify(policy, pods, past, now);
    Map<RemediationRecord, VerificationResult> results = new IdentityHashMap<>();
    past.forEach(r -> {
      if (r.getVerification() != null) {
        results.put(r, r.getVerification());
      }
    });
    verified.forEach(v -> results.put(v.record(), v.result()));
    List<ActionEffectiveness> effectiveness = effectiveness(policy, in.effectiveness(), verified, now);

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
    List<Plan.Escalation> escalations = new ArrayList<>();
    List<Plan.Attention> attention = new ArrayList<>();
    Map<String, List<ScaleRequest>> scaleRequests = new LinkedHashMap<>();
    long recentActs = past.stream().filter(r -> ACTED.contains(r.getOutcome()) && countsForRateLimit(r)
        && after(r.getTime(), now.minus(policy.rateLimitPer()))).count();
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
              + (dryRun ? " (dry run)" : ""), stepIndex, null, null, null));
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
          now);
      if (d != null) {
        actions.add(d);
        rateUsed += d.scaleUp() ? 1 : 0;
      }
    }
    // states of targets no rule scales any more are dropped: nothing would bring them back
    Set<String> scaled = new HashSet<>();
    policy.rules().stream().filter(r -> r.scale() != null).forEach(r -> scaled.add(r.scale().target()));
    states.keySet().retainAll(scaled);
    return new Plan(actions, skips, new Plan.Counts(pods.size(), healthy, failing, unknown), inFlightUids.size(),
        suppressed, suppressedMessage, verified, effectiveness, new ArrayList<>(states.values()), escalations,
        attention, problems, notes);
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
                                  Instant outageSeen, Instant now) {
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
        reason = SkipReason.OutageHold;
        skipMsg = "every selected pod failed the same worker until " + outageSeen + ": pods recovering from it are "
            + "left 'for' (" + rule.forDuration().toSeconds() + "s) to report healthy before " + key + " is scaled";
      } else if (current >= scale.maxReplicas()) {
        reason = SkipReason.AtMaxReplicas;
        skipMsg = key + " has " + current + " replicas, maxReplicas is " + scale.maxReplicas() + "; " + healthyCount
            + " of minHealthy " + scale.minHealthy() + " pods healthy";
      } else if (last != null && last.plus(policy.cooldown()).isAfter(now)) {
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
      return new Resolved(cur, step, SkipReason.NotHelping, why + ": not repeating it, a human is needed");
    }
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
        recovered = pods.stream().anyMatch(p -> Objects.equals(p.slot(), r.getSlot())
            && !Objects.equals(p.podUid(), r.getPodUID()) && healthySince(p, r.getWorker(), t, policy, now));
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
    Set<String> ruleNames = new HashSet<>();
    policy.rules().forEach(r -> ruleNames.add(r.name()));
    Map<String, ActionEffectiveness> byKey = new LinkedHashMap<>();
    for (ActionEffectiveness e : before) {
      if (ruleNames.contains(e.getRule())) {
        ActionEffectiveness c = new ActionEffectiveness(e.getRule(), e.getWorker(), e.getAction());
        c.setRecovered(e.getRecovered() == null ? 0 : e.getRecovered());
        c.setNotRecovered(e.getNotRecovered() == null ? 0 : e.getNotRecovered());
        c.setConsecutiveNotRecovered(e.getConsecutiveNotRecovered() == null ? 0 : e.getConsecutiveNotRecovered());
        c.setLastVerifiedTime(e.getLastVerifiedTime());
        byKey.put(e.getRule() + "/" + e.getWorker() + "/" + e.getAction(), c);
      }
    }
    for (Plan.Verified v : verified) {
      RemediationRecord r = v.record();
      if (r.getAction() == RemediationAction.None) {
        continue; // the end of an escalation, not an action's effect
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
    return new ArrayList<>(byKey.values());
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
