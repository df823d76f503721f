package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.RecoveryMode;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RecoveryStatus;
import io.workerhealth.api.v1alpha1.VerificationResult;
import java.time.Duration;
import java.time.Instant;

/**
 * Recovery after a shared outage, as a state machine over plain data (the phase is kept in status.recovery). Too many
 * pods unhealthy at once means a shared dependency is likely down, and restarting them would only add a reconnect
 * storm — but some apps (hookdeck/outpost's consumers) never recover by themselves once it is back. So:
 *
 * <ol>
 *   <li><b>Held</b>: nothing is restarted for {@code recovery.after}; apps that recover by themselves end it.</li>
 *   <li><b>Canary</b>: one pod is restarted. Never more than one canary in flight; the next canary after one that
 *       did not recover is that canary's replacement again, so an app that refuses to start while the dependency is
 *       down costs one pod, not the fleet.</li>
 *   <li>The canary's worker recovered: <b>Rolling</b>, the other failing pods are restarted maxConcurrent at a time,
 *       each verified before the next; one that does not recover stops it.</li>
 *   <li>It did not: <b>BackingOff</b> for {@code recovery.backoff}, doubled with each one in a row up to
 *       {@code recovery.maxBackoff}, then the next canary; after {@code recovery.attentionAfter} in a row
 *       NeedsAttention turns True (recovery keeps trying).</li>
 * </ol>
 *
 * <p>With {@code recovery.dependency} the operator checks the dependency itself: no canary; while it does not
 * answer, nothing is restarted; once it does, Rolling. With {@code recovery.mode: Hold} the policy only holds.
 */
final class OutageRecoveryPlanner {

  private OutageRecoveryPlanner() {}

  /** What the planner may do this round because of the recovery. */
  enum Mode {
    /** No outage: remediate as usual. */
    NONE,
    /** Hold: restart nothing (report-only rules still report). */
    HOLD,
    /** Restart one pod, the canary, if none is in flight. */
    CANARY,
    /** Restart failing pods maxConcurrent at a time, each verified before the next. */
    ROLLING
  }

  /**
   * The situation this round.
   *
   * @param tooMany         more pods are failing (or not reporting) than maxUnhealthy allows
   * @param tooManyMessage  says so, in words
   * @param failing         pods failing a rule's worker now
   * @param inFlight        canary or rolling restarts not verified yet
   * @param phaseResult     the verification of this phase's restarts and of any canary judged in this round:
   *                        NotRecovered if any did not recover, else Recovered if one did, else null
   * @param lateRecovery    the last canary's replacement reports its worker healthy (after its window)
   * @param dependency      the last check of recovery.dependency, or null
   * @param verdictDue      when the verification window of the restart in flight ends, or null
   */
  record Situation(boolean tooMany, String tooManyMessage, int failing, boolean inFlight,
                   VerificationResult phaseResult, boolean lateRecovery, DependencyObservation dependency,
                   Instant verdictDue) {}

  /**
   * The recovery after this round.
   *
   * @param state     the status to keep (null: no outage)
   * @param mode      what may be restarted
   * @param nextTry   when the recovery wants to be looked at again (null: when something changes)
   * @param attention recovery keeps failing
   */
  record Round(RecoveryStatus state, Mode mode, Instant nextTry, boolean attention) {

    RecoveryPhase phase() {
      return state == null ? null : state.getPhase();
    }
  }

  static Round next(PolicySettings policy, RecoveryStatus prev, Situation s, Instant now) {
    PolicySettings.Recovery settings = policy.recovery();
    RecoveryPhase phase = prev == null ? null : prev.getPhase();
    if (policy.paused()) {
      return new Round(prev, prev == null ? Mode.NONE : Mode.HOLD, null, false); // frozen while paused
    }
    if (phase == null || phase == RecoveryPhase.Held) {
      if (!s.tooMany()) {
        return new Round(null, Mode.NONE, null, false); // recovered by itself (or never held)
      }
      RecoveryStatus held = phase == null ? start(now) : copy(prev);
      Instant heldSince = orNow(ReportTimes.parse(held.getHeldSince()), now);
      if (settings.mode() == RecoveryMode.Hold) {
        return hold(held, s.tooManyMessage() + "; recovery.mode is Hold: nothing is restarted until enough pods are "
            + "healthy again", null);
      }
      Instant firstTry = heldSince.plus(settings.after());
      if (now.isBefore(firstTry)) {
        return hold(held, s.tooManyMessage() + "; held since " + heldSince + ", recovery starts at " + firstTry
            + " (recovery.after " + settings.after().toSeconds() + "s) unless the pods recover by themselves",
            firstTry);
      }
      return afterWaiting(policy, held, s, now);
    }
    RecoveryStatus state = copy(prev);
    int notRecovered = state.getNotRecovered() == null ? 0 : state.getNotRecovered();
    boolean over = s.failing() == 0 && !s.inFlight();
    switch (phase) {
      case Canary -> {
        if (over) {
          return new Round(null, Mode.NONE, null, false);
        }
        if (s.phaseResult() == VerificationResult.Recovered) {
          return rolling(state, "the canary " + state.getCanaryPod() + " recovered: the shared dependency is back",
              now);
        }
        if (s.phaseResult() == VerificationResult.NotRecovered) {
          return backOff(policy, state, notRecovered + 1, "the canary " + state.getCanaryPod() + " did not recover",
              now);
        }
        state.setMessage(s.inFlight() ? "canary " + state.getCanaryPod() + " restarted: waiting for its worker to be "
            + "healthy (the rule's verification window" + (s.verdictDue() == null ? ")" : ", until " + s.verdictDue()
            + ")") : "restarting one pod (the canary) to find out whether the shared dependency is back");
        Instant due = s.inFlight() ? s.verdictDue() : null;
        state.setNextTryTime(due == null ? null : due.toString());
        return new Round(state, Mode.CANARY, due, notRecovered >= settings.attentionAfter());
      }
      case BackingOff -> {
        if (over) {
          return new Round(null, Mode.NONE, null, false);
        }
        if (s.lateRecovery()) {
          return rolling(state, "the canary " + state.getCanaryPod() + " recovered after its window: the shared "
              + "dependency is back", now);
        }
        Instant due = ReportTimes.parse(state.getNextTryTime());
        if (due != null && now.isBefore(due)) {
          return new Round(state, Mode.HOLD, due, notRecovered >= settings.attentionAfter());
        }
        return afterWaiting(policy, state, s, now);
      }
      case Rolling -> {
        if (s.phaseResult() == VerificationResult.NotRecovered) {
          return backOff(policy, state, notRecovered + 1, "a restart of the rolling recovery did not recover", now);
        }
        if (over) {
          return new Round(null, Mode.NONE, null, false);
        }
        state.setMessage("restarting the failing pods, maxConcurrent (" + policy.maxConcurrent() + ") at a time, "
            + "each verified before the next");
        state.setNextTryTime(s.inFlight() && s.verdictDue() != null ? s.verdictDue().toString() : null);
        state.setNotRecovered(0);
        return new Round(state, Mode.ROLLING, null, false);
      }
      default -> throw new IllegalStateException("phase " + phase);
    }
  }

  /** Held long enough (or backed off long enough): the dependency check decides, or a canary. */
  private static Round afterWaiting(PolicySettings policy, RecoveryStatus state, Situation s, Instant now) {
    PolicySettings.Dependency dependency = policy.recovery().dependency();
    int notRecovered = state.getNotRecovered() == null ? 0 : state.getNotRecovered();
    boolean attention = notRecovered >= policy.recovery().attentionAfter();
    if (dependency != null) {
      DependencyObservation d = s.dependency();
      if (d != null) {
        state.setDependencyReachable(d.reachable());
        state.setDependencyMessage(d.message());
        state.setDependencyCheckedTime(d.checkedAt() == null ? null : d.checkedAt().toString());
      }
      if (d != null && d.reachable()) {
        return rolling(state, dependency.describe() + " answers", now);
      }
      Instant nextCheck = now.plus(dependency.interval());
      String why = "waiting for " + dependency.describe() + " to answer"
          + (d == null ? " (not checked yet)" : " (" + d.message() + ")") + "; next check at " + nextCheck;
      if (state.getPhase() == RecoveryPhase.BackingOff) {
        state.setMessage(why);
        state.setNextTryTime(nextCheck.toString());
        return new Round(state, Mode.HOLD, nextCheck, attention);
      }
      return hold(state, s.tooManyMessage() + "; " + why, nextCheck);
    }
    // a canary judged in this round decides before any new one: never a second canary right after one that did not
    // recover (the backoff comes first), nor a canary once one recovered
    String canary = state.getCanaryPod() == null ? "the last canary" : "the canary " + state.getCanaryPod();
    if (s.phaseResult() == VerificationResult.NotRecovered) {
      return backOff(policy, state, notRecovered + 1, canary + " did not recover", now);
    }
    if (s.phaseResult() == VerificationResult.Recovered) {
      return rolling(state, canary + " recovered: the shared dependency is back", now);
    }
    if (state.getPhase() != RecoveryPhase.Canary) {
      state.setPhase(RecoveryPhase.Canary);
      state.setPhaseSince(now.toString());
    }
    state.setNextTryTime(null);
    state.setMessage("restarting one pod (the canary) to find out whether the shared dependency is back");
    return new Round(state, Mode.CANARY, null, attention);
  }

  private static Round hold(RecoveryStatus state, String message, Instant nextTry) {
    state.setMessage(message);
    state.setNextTryTime(nextTry == null ? null : nextTry.toString());
    return new Round(state, Mode.HOLD, nextTry, false);
  }

  private static Round rolling(RecoveryStatus state, String why, Instant now) {
    state.setPhase(RecoveryPhase.Rolling);
    state.setPhaseSince(now.toString());
    state.setNextTryTime(null);
    state.setNotRecovered(0);
    state.setMessage(why + ": restarting the failing pods, maxConcurrent at a time, each verified before the next");
    return new Round(state, Mode.ROLLING, null, false);
  }

  private static Round backOff(PolicySettings policy, RecoveryStatus state, int notRecovered, String why,
                               Instant now) {
    Duration wait = policy.recovery().backoffAfter(notRecovered);
    Instant next = now.plus(wait);
    state.setPhase(RecoveryPhase.BackingOff);
    state.setPhaseSince(now.toString());
    state.setNotRecovered(notRecovered);
    state.setNextTryTime(next.toString());
    boolean attention = notRecovered >= policy.recovery().attentionAfter();
    state.setMessage(why + " (" + notRecovered + " in a row): the shared dependency is likely still down; next "
        + (policy.recovery().dependency() == null ? "canary" : "check of " + policy.recovery().dependency().describe())
        + " at " + next + " (backing off " + wait.toSeconds() + "s)"
        + (attention ? "; recovery keeps failing: a human should look at the dependency" : ""));
    return new Round(state, Mode.HOLD, next, attention);
  }

  private static RecoveryStatus start(Instant now) {
    RecoveryStatus s = new RecoveryStatus();
    s.setPhase(RecoveryPhase.Held);
    s.setPhaseSince(now.toString());
    s.setHeldSince(now.toString());
    s.setNotRecovered(0);
    return s;
  }

  private static RecoveryStatus copy(RecoveryStatus s) {
    return new RecoveryStatus(s);
  }

  private static Instant orNow(Instant t, Instant now) {
    return t == null ? now : t;
  }
}
