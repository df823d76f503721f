package io.workerhealth.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workerhealth.api.v1alpha1.RecoveryPhase;
import io.workerhealth.api.v1alpha1.RecoveryStatus;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.operator.planning.Plan;
import io.workerhealth.operator.planning.ReportTimes;
import io.workerhealth.operator.planning.SkipReason;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator's own Prometheus metrics (java-operator-sdk adds its reconciliation metrics to the same registry).
 * Labels are namespace, policy, action, outcome, reason, state: never a pod name.
 */
public final class OperatorMetrics {

  private final PrometheusMeterRegistry registry;
  private final Map<String, AtomicInteger> podGauges = new ConcurrentHashMap<>();
  private final Set<String> initialized = ConcurrentHashMap.newKeySet();
  /** Held-back remediations the reconciler counts (the others are not suppressions but waiting). */
  static final List<SkipReason> COUNTED_SKIPS = List.of(SkipReason.Paused, SkipReason.TooManyUnhealthy,
      SkipReason.StaleData, SkipReason.InvalidTimestamp, SkipReason.Excluded, SkipReason.Cooldown,
      SkipReason.RateLimited, SkipReason.MaxConcurrent, SkipReason.OutageHold, SkipReason.NotHelping,
      SkipReason.BarePod, SkipReason.RolloutInProgress, SkipReason.RecoveryInProgress);
  private static final List<String> POLICY_METERS = List.of("workerhealth.remediations",
      "workerhealth.remediations.suppressed", "workerhealth.failure.to.action", "workerhealth.reconcile.errors",
      "workerhealth.policy.pods", "workerhealth.remediation.verifications", "workerhealth.escalations",
      "workerhealth.needs.attention", "workerhealth.recovery.phase", "workerhealth.recovery.entered",
      "workerhealth.outage.held.seconds", "workerhealth.recovery.next.try.timestamp.seconds",
      "workerhealth.rule.max.not.recovered");
  /** Per policy: the recovery phase gauges, and the outage's start and next try (NaN while there is none). */
  private final Map<String, AtomicReference<RecoveryStatus>> recoveries = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> attentionGauges = new ConcurrentHashMap<>();
  /** WorkerHealth updates ignored [0] and reconciled [1]. */
  private final Counter[] healthUpdates;

  public OperatorMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  private final Clock clock;
  private final Map<String, AtomicInteger> maxNotRecovered = new ConcurrentHashMap<>();

  public OperatorMetrics(PrometheusMeterRegistry registry) {
    this(registry, Clock.systemUTC());
  }

  /** @param clock for how long an outage has been held, computed when scraped */
  public OperatorMetrics(PrometheusMeterRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
    // operator-wide series, at zero from the start (see initialize); counted on every WorkerHealth update, so kept
    healthUpdates = new Counter[] {healthUpdates("ignored"), healthUpdates("reconciled")};
    for (String result : STATUS_WRITE_RESULTS) {
      statusWrites(result);
    }
  }

  /** What a policy status write came to (StatusWriter.Result, in words). */
  static final List<String> STATUS_WRITE_RESULTS = List.of("Written", "Unchanged", "Conflict", "Failed");

  /**
   * A WorkerHealth update, by whether it can change what a policy decides: {@code reconciled}, or {@code ignored}
   * (a sidecar's heartbeat while every policy still holds the report fresh).
   */
  public void healthUpdate(boolean reconciled) {
    healthUpdates[reconciled ? 1 : 0].increment();
  }

  private Counter healthUpdates(String result) {
    return Counter.builder("workerhealth.health.updates")
        .description("WorkerHealth updates seen, by whether they reconcile the policies selecting the pod")
        .tags("result", result).register(registry);
  }

  /** A policy status write: {@code Written}, {@code Unchanged} (no request), {@code Conflict}, {@code Failed}. */
  public void statusWrite(String result) {
    String word = result.charAt(0) + result.substring(1).toLowerCase(java.util.Locale.ROOT);
    statusWrites(word).increment();
  }

  private Counter statusWrites(String result) {
    return Counter.builder("workerhealth.status.writes")
        .description("Policy status writes by result; Unchanged ones send no request")
        .tags("result", result).register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void remediation(String namespace, String policy, RemediationAction action, RemediationOutcome outcome) {
    remediations(namespace, policy, action, outcome).increment();
  }

  private Counter remediations(String namespace, String policy, RemediationAction action, RemediationOutcome outcome) {
    return Counter.builder("workerhealth.remediations").description("Remediations by action and outcome")
        .tags("namespace", namespace, "policy", policy, "action", action.name(), "outcome", outcome.name())
        .register(registry);
  }

  public void suppressed(String namespace, String policy, SkipReason reason) {
    suppressions(namespace, policy, reason).increment();
  }

  private Counter suppressions(String namespace, String policy, SkipReason reason) {
    return Counter.builder("workerhealth.remediations.suppressed")
        .description("Remediations a rule asked for but a safety limit held back")
        .tags("namespace", namespace, "policy", policy, "reason", reason.name())
        .register(registry);
  }

  /** Time from the worker's failure (as the sidecar saw it) to the action. */
  public void failureToAction(String namespace, String policy, RemediationAction action, Duration latency) {
    failureToActionTimer(namespace, policy, action).record(latency.isNegative() ? Duration.ZERO : latency);
  }

  private Timer failureToActionTimer(String namespace, String policy, RemediationAction action) {
    return Timer.builder("workerhealth.failure.to.action")
        .description("Time from a worker's failure being observed to the remediation")
        .tags("namespace", namespace, "policy", policy, "action", action.name())
        .serviceLevelObjectives(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofMinutes(2), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofHours(1))
        .register(registry);
  }

  /** Whether an action helped: {@code workerhealth_remediation_verifications_total}, result Recovered|NotRecovered. */
  public void verification(String namespace, String policy, String rule, RemediationAction action,
                           VerificationResult result) {
    verifications(namespace, policy, rule, action, result).increment();
  }

  private Counter verifications(String namespace, String policy, String rule, RemediationAction action,
                                VerificationResult result) {
    return Counter.builder("workerhealth.remediation.verifications")
        .description("Remediations verified over the rule's window, by whether the worker recovered")
        .tags("namespace", namespace, "policy", policy, "rule", rule, "action", action.name(), "result", result.name())
        .register(registry);
  }

  /**
   * Registers, at zero, the verification counters of every rule's verified actions (RestartPod, ScaleTarget) and the
   * remediation counters of its actions, for the same reason as {@link #pods}: increase() misses a series born at 1.
   */
  public void rules(String namespace, String policy, Map<String, Set<RemediationAction>> actionsByRule) {
    rules(namespace, policy, actionsByRule, Map.of());
  }

  /**
   * The same, and {@code workerhealth_rule_max_not_recovered{rule}}: each rule's verification.maxNotRecovered, so an
   * alert can compare NotRecovered results with the rule's own limit.
   */
  public void rules(String namespace, String policy, Map<String, Set<RemediationAction>> actionsByRule,
                    Map<String, Integer> maxNotRecoveredByRule) {
    maxNotRecoveredByRule.forEach((rule, max) -> maxNotRecovered.computeIfAbsent(
        namespace + "/" + policy + "/" + rule, k -> {
          AtomicInteger value = new AtomicInteger();
          Gauge.builder("workerhealth.rule.max.not.recovered", value, AtomicInteger::get)
              .description("A rule's verification.maxNotRecovered: NotRecovered results in a row before its action "
                  + "is held")
              .tags(Tags.of("namespace", namespace, "policy", policy, "rule", rule)).strongReference(true)
              .register(registry);
          return value;
        }).set(max));
    actionsByRule.forEach((rule, actions) -> actions.stream()
        .filter(a -> a == RemediationAction.RestartPod || a == RemediationAction.ScaleTarget)
        .forEach(action -> {
          for (VerificationResult result : VerificationResult.values()) {
            verifications(namespace, policy, rule, action, result);
          }
          for (RemediationOutcome outcome : List.of(RemediationOutcome.Succeeded, RemediationOutcome.Blocked,
              RemediationOutcome.Failed)) {
            remediations(namespace, policy, action, outcome);
          }
        }));
  }

  /** A rule moving to its next escalation step; {@code action} is the step's action. */
  public void escalation(String namespace, String policy, String rule, RemediationAction action) {
    escalations(namespace, policy, rule, action).increment();
  }

  /**
   * Registers, at zero, the escalation counters of every escalating rule's later steps (by the step's action), for
   * the same reason as {@link #rules}: the first escalation to a step would otherwise not show in increase().
   */
  public void escalationSteps(String namespace, String policy, Map<String, Set<RemediationAction>> laterStepsByRule) {
    laterStepsByRule.forEach((rule, actions) -> actions.forEach(a -> escalations(namespace, policy, rule, a)));
  }

  private Counter escalations(String namespace, String policy, String rule, RemediationAction action) {
    return Counter.builder("workerhealth.escalations")
        .description("Escalations of a rule to its next step, by the step's action")
        .tags("namespace", namespace, "policy", policy, "rule", rule, "action", action.name())
        .register(registry);
  }

  /** Workers a policy stopped acting for and that need a human (final None step reached, or actions not helping). */
  public void needsAttention(String namespace, String policy, int count) {
    attentionGauges.computeIfAbsent(namespace + "/" + policy, k -> {
      AtomicInteger value = new AtomicInteger();
      Gauge.builder("workerhealth.needs.attention", value, AtomicInteger::get)
          .description("Workers a policy stopped acting for, waiting for a human")
          .tags(Tags.of("namespace", namespace, "policy", policy))
          .strongReference(true)
          .register(registry);
      return value;
    }).set(count);
  }

  /** A policy's outage recovery entered a phase: {@code workerhealth_recovery_entered_total{phase}}. */
  public void recoveryEntered(String namespace, String policy, RecoveryPhase phase) {
    recoveryEnteredCounter(namespace, policy, phase).increment();
  }

  private Counter recoveryEnteredCounter(String namespace, String policy, RecoveryPhase phase) {
    return Counter.builder("workerhealth.recovery.entered")
        .description("Times a policy's outage recovery entered a phase (Held, Canary, BackingOff, Rolling)")
        .tags("namespace", namespace, "policy", policy, "phase", phase.name()).register(registry);
  }

  /**
   * The outage recovery as the status now says: {@code workerhealth_recovery_phase{phase}} is 1 for the current phase
   * and 0 for the others; {@code workerhealth_outage_held_seconds} is how long too many pods have been unhealthy
   * (0 while there is no outage; computed when scraped, so it grows between reconciles) and
   * {@code workerhealth_recovery_next_try_timestamp_seconds} the next try (NaN while none is scheduled).
   */
  public void recovery(String namespace, String policy, RecoveryStatus state) {
    recoveries.computeIfAbsent(namespace + "/" + policy, k -> {
      AtomicReference<RecoveryStatus> ref = new AtomicReference<>();
      for (RecoveryPhase phase : RecoveryPhase.values()) {
        Gauge.builder("workerhealth.recovery.phase", ref, r -> r.get() != null && r.get().getPhase() == phase ? 1 : 0)
            .description("The phase of a policy's outage recovery: 1 for the current one")
            .tags(Tags.of("namespace", namespace, "policy", policy, "phase", phase.name()))
            .strongReference(true).register(registry);
        recoveryEnteredCounter(namespace, policy, phase);
      }
      Gauge.builder("workerhealth.outage.held.seconds", ref, r -> heldSeconds(r.get()))
          .description("How long too many of a policy's pods have been unhealthy at once (0: no outage)")
          .tags(Tags.of("namespace", namespace, "policy", policy)).strongReference(true).register(registry);
      Gauge.builder("workerhealth.recovery.next.try.timestamp.seconds", ref, r -> seconds(r.get() == null ? null
              : r.get().getNextTryTime()))
          .description("When a policy's outage recovery tries next (NaN: nothing scheduled)")
          .tags(Tags.of("namespace", namespace, "policy", policy)).strongReference(true).register(registry);
      return ref;
    }).set(state);
  }

  private double heldSeconds(RecoveryStatus state) {
    java.time.Instant since = state == null ? null : ReportTimes.parse(state.getHeldSince());
    return since == null ? 0 : Math.max(0, java.time.Duration.between(since, clock.instant()).toMillis() / 1000.0);
  }

  private static double seconds(String time) {
    java.time.Instant t = time == null ? null : ReportTimes.parse(time);
    return t == null ? Double.NaN : t.toEpochMilli() / 1000.0;
  }

  public void reconcileError(String namespace, String policy) {
    reconcileErrors(namespace, policy).increment();
  }

  private Counter reconcileErrors(String namespace, String policy) {
    return Counter.builder("workerhealth.reconcile.errors").description("Reconciliations that failed")
        .tags("namespace", namespace, "policy", policy).register(registry);
  }

  /**
   * Registers a policy's counters and its latency histogram at zero the first time it is reconciled. Prometheus'
   * increase() and rate() only see a counter's growth from its first sample on: a counter that appeared with the
   * first remediation or outage would show no increase for it, and alerts on increase() would not fire.
   */
  private void initialize(String namespace, String policy) {
    if (!initialized.add(namespace + "/" + policy)) {
      return;
    }
    for (RemediationOutcome outcome : List.of(RemediationOutcome.Succeeded, RemediationOutcome.Blocked,
        RemediationOutcome.Failed)) {
      remediations(namespace, policy, RemediationAction.RestartPod, outcome);
    }
    COUNTED_SKIPS.forEach(reason -> suppressions(namespace, policy, reason));
    failureToActionTimer(namespace, policy, RemediationAction.RestartPod);
    reconcileErrors(namespace, policy);
  }

  /** Pods per policy by state: Healthy, Failing, Unknown, Other. Called on every reconcile of a valid policy. */
  public void pods(String namespace, String policy, Plan.Counts counts) {
    initialize(namespace, policy);
    int other = counts.selected() - counts.healthy() - counts.failing() - counts.unknown() - counts.notReporting();
    gauge(namespace, policy, "Healthy").set(counts.healthy());
    gauge(namespace, policy, "Failing").set(counts.failing());
    gauge(namespace, policy, "Unknown").set(counts.unknown());
    gauge(namespace, policy, "NotReporting").set(counts.notReporting());
    gauge(namespace, policy, "Other").set(Math.max(0, other));
  }

  /** A deleted policy's series go away. */
  public void forget(String namespace, String policy) {
    attentionGauges.remove(namespace + "/" + policy);
    recoveries.remove(namespace + "/" + policy);
    maxNotRecovered.keySet().removeIf(k -> k.startsWith(namespace + "/" + policy + "/"));
    registry.find("workerhealth.needs.attention").tags("namespace", namespace, "policy", policy)
        .meters().forEach(registry::remove);
    for (String state : new String[] {"Healthy", "Failing", "Unknown", "NotReporting", "Other"}) {
      podGauges.remove(namespace + "/" + policy + "/" + state);
    }
    initialized.remove(namespace + "/" + policy);
    for (String name : POLICY_METERS) {
      registry.find(name).tags("namespace", namespace, "policy", policy).meters().forEach(registry::remove);
    }
  }

  private AtomicInteger gauge(String namespace, String policy, String state) {
    return podGauges.computeIfAbsent(namespace + "/" + policy + "/" + state, k -> {
      AtomicInteger value = new AtomicInteger();
      Gauge.builder("workerhealth.policy.pods", value, AtomicInteger::get)
          .description("Selected pods by state")
          .tags(Tags.of("namespace", namespace, "policy", policy, "state", state))
          .strongReference(true)
          .register(registry);
      return value;
    });
  }

}
