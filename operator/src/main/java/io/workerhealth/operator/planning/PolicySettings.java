package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.workerhealth.api.v1alpha1.DependencyCheck;
import io.workerhealth.api.v1alpha1.Durations;
import io.workerhealth.api.v1alpha1.EscalationStep;
import io.workerhealth.api.v1alpha1.OutageRecovery;
import io.workerhealth.api.v1alpha1.RateLimit;
import io.workerhealth.api.v1alpha1.RecoveryMode;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.ScaleSpec;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.Verification;
import io.workerhealth.api.v1alpha1.WorkerCondition;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A policy spec with defaults applied and every field parsed and checked: what the planner works from. Parsing
 * collects all problems at once so the policy's Ready condition can name them together.
 */
public record PolicySettings(List<Rule> rules, IntOrString maxUnhealthy, int maxConcurrent, Duration cooldown,
                             int rateLimitMax, Duration rateLimitPer, Duration staleAfter, boolean dryRun,
                             boolean paused, Duration maxCooldown, Duration cooldownResetAfter,
                             Duration startupGracePeriod, boolean evictBarePods, Recovery recovery) {

  public static final int DEFAULT_MAX_CONCURRENT = 1;
  public static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(5);
  public static final int DEFAULT_RATE_MAX = 10;
  public static final Duration DEFAULT_RATE_PER = Duration.ofHours(1);
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(2);
  public static final Duration DEFAULT_FOR = Duration.ofSeconds(30);
  public static final Duration DEFAULT_VERIFICATION_WINDOW = Durations.parse(Verification.DEFAULT_WINDOW);
  public static final Duration DEFAULT_WITHIN = Durations.parse(EscalationStep.DEFAULT_WITHIN);
  public static final Duration DEFAULT_MAX_COOLDOWN = Duration.ofHours(1);
  public static final Duration DEFAULT_COOLDOWN_RESET_AFTER = Duration.ofHours(1);
  public static final Duration DEFAULT_STARTUP_GRACE = Duration.ofMinutes(5);
  public static final Duration DEFAULT_HOLD_FOR = Durations.parse(Verification.DEFAULT_HOLD_FOR);

  /** The settings of a policy before these fields existed: every newer field at its default. */
  public PolicySettings(List<Rule> rules, IntOrString maxUnhealthy, int maxConcurrent, Duration cooldown,
                        int rateLimitMax, Duration rateLimitPer, Duration staleAfter, boolean dryRun, boolean paused) {
    this(rules, maxUnhealthy, maxConcurrent, cooldown, rateLimitMax, rateLimitPer, staleAfter, dryRun, paused,
        DEFAULT_MAX_COOLDOWN, DEFAULT_COOLDOWN_RESET_AFTER, DEFAULT_STARTUP_GRACE, false, Recovery.DEFAULT);
  }

  /**
   * How the policy recovers after a shared outage (see {@link OutageRecoveryPlanner}).
   *
   * @param dependency the dependency the operator checks, or null (a canary finds out)
   */
  public record Recovery(RecoveryMode mode, Duration after, Duration backoff, Duration maxBackoff, int attentionAfter,
                         Dependency dependency) {
    public static final Recovery DEFAULT = new Recovery(RecoveryMode.Canary,
        Durations.parse(OutageRecovery.DEFAULT_AFTER), Durations.parse(OutageRecovery.DEFAULT_BACKOFF),
        Durations.parse(OutageRecovery.DEFAULT_MAX_BACKOFF), OutageRecovery.DEFAULT_ATTENTION_AFTER, null);

    /** The wait after {@code notRecovered} canaries in a row that did not help: backoff doubled, up to maxBackoff. */
    public Duration backoffAfter(int notRecovered) {
      Duration wait = backoff;
      for (int i = 1; i < notRecovered && wait.compareTo(maxBackoff) < 0; i++) {
        wait = wait.multipliedBy(2);
      }
      return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
  }

  /**
   * A dependency the operator checks during an outage.
   *
   * @param host    for TCP: the host (null for HTTP)
   * @param port    for TCP: the port
   * @param url     for HTTP: the URL (null for TCP)
   */
  public record Dependency(String name, String host, int port, java.net.URI url, Duration timeout,
                           Duration interval) {
    /** What messages call it. */
    public String describe() {
      return name != null ? name : url != null ? url.toString() : host + ":" + port;
    }
  }

  /** A ScaleTarget action's settings, parsed. */
  public record Scale(ScaleTargetRef targetRef, int minHealthy, int maxReplicas, int step,
                      Duration stabilizationWindow, boolean restoreOnDelete) {

    public Scale(ScaleTargetRef targetRef, int minHealthy, int maxReplicas, int step, Duration stabilizationWindow) {
      this(targetRef, minHealthy, maxReplicas, step, stabilizationWindow, true);
    }

    /** {@code Kind/name}. */
    public String target() {
      return targetRef.key();
    }
  }

  /**
   * One step of a rule: the single action of a plain rule, or an escalation step.
   *
   * @param maxAttempts for escalation steps: attempts within {@code within} before the next step (plain rules:
   *                    unlimited)
   */
  public record Step(RemediationAction action, int maxAttempts, Duration within, Scale scale) {}

  /**
   * One rule, parsed.
   *
   * @param steps      the plain rule's action as one step, or the escalation steps in order
   * @param escalating whether the rule lists escalation steps
   */
  public record Rule(String name, List<String> workerPatterns, Set<WorkerCondition> when, Duration forDuration,
                     List<Step> steps, boolean escalating, Duration verificationWindow, int maxNotRecovered,
                     Duration holdFor) {

    public Rule(String name, List<String> workerPatterns, Set<WorkerCondition> when, Duration forDuration,
                List<Step> steps, boolean escalating, Duration verificationWindow, int maxNotRecovered) {
      this(name, workerPatterns, when, forDuration, steps, escalating, verificationWindow, maxNotRecovered,
          DEFAULT_HOLD_FOR);
    }

    /** A plain rule whose action is None: it only reports, and keeps reporting during an outage. */
    public boolean reportOnly() {
      return !escalating && action() == RemediationAction.None;
    }

    /** A plain rule's action (the first step's for an escalating rule). */
    public RemediationAction action() {
      return steps.get(0).action();
    }

    /** The rule's ScaleTarget settings (a rule has at most one ScaleTarget step), or null. */
    public Scale scale() {
      return steps.stream().map(Step::scale).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    public boolean matchesWorker(String worker) {
      if (worker == null) {
        return false;
      }
      for (String p : workerPatterns) {
        if (glob(p).matcher(worker).matches()) {
          return true;
        }
      }
      return false;
    }

    private static Pattern glob(String glob) {
      StringBuilder re = new StringBuilder();
      for (char c : glob.toCharArray()) {
        switch (c) {
          case '*' -> re.append(".*");
          case '?' -> re.append('.');
          default -> re.append(Pattern.quote(String.valueOf(c)));
        }
      }
      return Pattern.compile(re.toString());
    }
  }

  public static PolicySettings from(WorkerHealthPolicySpec spec) throws InvalidPolicyException {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      throw new InvalidPolicyException(List.of("spec is missing"));
    }
    problems.addAll(SelectorValidation.problems(spec.getSelector(), "spec.selector"));
    List<Rule> rules = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<RemediationRule> specRules = spec.getRules() == null ? List.of() : spec.getRules();
    if (specRules.isEmpty()) {
      problems.add("spec.rules needs at least one rule");
    }
    for (int i = 0; i < specRules.size(); i++) {
      RemediationRule r = specRules.get(i);
      String where = "spec.rules[" + i + "]";
      if (r == null) {
        problems.add(where + " is empty");
        continue;
      }
      if (r.getName() == null || r.getName().isBlank()) {
        problems.add(where + ".name is required");
      } else if (!names.add(r.getName())) {
        problems.add(where + ".name '" + r.getName() + "' is used twice");
      }
      if (r.getWorkers() == null || r.getWorkers().isEmpty() || r.getWorkers().stream().anyMatch(w -> w == null || w.isBlank())) {
        problems.add(where + ".workers needs at least one worker name or glob");
      }
      List<Step> steps = new ArrayList<>();
      boolean escalating = r.getEscalation() != null;
      if (r.getAction() == null && !escalating) {
        problems.add(where + ".action is required (RestartPod, ScaleTarget or None), or escalation");
        steps.add(new Step(RemediationAction.None, Integer.MAX_VALUE, null, null));
      } else if (r.getAction() != null && escalating) {
        problems.add(where + ": set either action or escalation, not both");
      } else if (!escalating) {
        steps.add(new Step(r.getAction(), Integer.MAX_VALUE, null,
            scale(r.getAction(), r.getScale(), where, problems)));
      } else {
        if (r.getScale() != null) {
          problems.add(where + ".scale: escalation steps carry their own scale");
        }
        List<EscalationStep> specSteps = r.getEscalation();
        if (specSteps.size() < 2) {
          problems.add(where + ".escalation needs at least two steps");
        }
        for (int j = 0; j < specSteps.size(); j++) {
          EscalationStep st = specSteps.get(j);
          String at = where + ".escalation[" + j + "]";
          if (st == null || st.getAction() == null) {
            problems.add(at + ".action is required");
            continue;
          }
          if (st.getAction() == RemediationAction.None && j != specSteps.size() - 1) {
            problems.add(at + ": only the last step may be None");
          }
          int attempts = st.getMaxAttempts() == null ? EscalationStep.DEFAULT_MAX_ATTEMPTS : st.getMaxAttempts();
          if (attempts < 1) {
            problems.add(at + ".maxAttempts must be at least 1");
          }
          steps.add(new Step(st.getAction(), attempts, duration(st.getWithin(), DEFAULT_WITHIN, at + ".within",
              problems), scale(st.getAction(), st.getScale(), at, problems)));
        }
        if (steps.stream().filter(st -> st.scale() != null).count() > 1) {
          problems.add(where + ".escalation may have one ScaleTarget step");
        }
        if (steps.isEmpty()) {
          steps.add(new Step(RemediationAction.None, Integer.MAX_VALUE, null, null));
        }
      }
      Verification v = r.getVerification();
      Duration window = duration(v == null ? null : v.getWindow(), DEFAULT_VERIFICATION_WINDOW,
          where + ".verification.window", problems);
      int maxNotRecovered = v == null || v.getMaxNotRecovered() == null ? Verification.DEFAULT_MAX_NOT_RECOVERED
          : v.getMaxNotRecovered();
      if (maxNotRecovered < 1) {
        problems.add(where + ".verification.maxNotRecovered must be at least 1");
      }
      Duration holdFor = duration(v == null ? null : v.getHoldFor(), DEFAULT_HOLD_FOR, where + ".verification.holdFor",
          problems);
      Duration forDuration = duration(r.getFor(), DEFAULT_FOR, where + ".for", problems);
      if (r.getWhen() != null && r.getWhen().stream().anyMatch(java.util.Objects::isNull)) {
        problems.add(where + ".when: a state is empty");
      }
      Set<WorkerCondition> when = r.getWhen() == null || r.getWhen().stream().allMatch(java.util.Objects::isNull)
          ? EnumSet.of(WorkerCondition.Failed)
          : EnumSet.copyOf(r.getWhen().stream().filter(java.util.Objects::nonNull).toList());
      Rule rule = new Rule(r.getName(), r.getWorkers() == null ? List.of() : List.copyOf(r.getWorkers()), when,
          forDuration, List.copyOf(steps), escalating, window, maxNotRecovered, holdFor);
      if (rule.scale() != null) {
        for (Rule other : rules) {
          if (other.scale() != null && other.scale().target().equals(rule.scale().target())) {
            problems.add(where + ".scale.targetRef: " + rule.scale().target() + " is already scaled by rule "
                + other.name() + "; a target belongs to one rule");
          }
        }
      }
      rules.add(rule);
    }
    IntOrString maxUnhealthy = spec.getMaxUnhealthy() == null
        ? new IntOrString(WorkerHealthPolicySpec.DEFAULT_MAX_UNHEALTHY) : spec.getMaxUnhealthy();
    if (maxUnhealthy.getIntVal() != null ? maxUnhealthy.getIntVal() < 0
        : maxUnhealthy.getStrVal() == null || !maxUnhealthy.getStrVal().matches("^(100|[1-9]?[0-9])%$")) {
      problems.add("spec.maxUnhealthy must be a non-negative number or a percentage from 0% to 100%");
    }
    int maxConcurrent = spec.getMaxConcurrent() == null ? DEFAULT_MAX_CONCURRENT : spec.getMaxConcurrent();
    if (maxConcurrent < 1) {
      problems.add("spec.maxConcurrent must be at least 1");
    }
    Duration cooldown = duration(spec.getCooldown(), DEFAULT_COOLDOWN, "spec.cooldown", problems);
    RateLimit rate = spec.getRateLimit();
    int rateMax = rate == null || rate.getMax() == null ? DEFAULT_RATE_MAX : rate.getMax();
    if (rateMax < 1) {
      problems.add("spec.rateLimit.max must be at least 1");
    }
    Duration ratePer = duration(rate == null ? null : rate.getPer(), DEFAULT_RATE_PER, "spec.rateLimit.per", problems);
    if (ratePer.compareTo(RateLimit.MIN_PER) < 0) {
      problems.add("spec." + RateLimit.MIN_PER_MESSAGE);
    }
    Duration staleAfter = duration(spec.getStaleAfter(), DEFAULT_STALE_AFTER, "spec.staleAfter", problems);
    Duration maxCooldown = duration(spec.getMaxCooldown(), DEFAULT_MAX_COOLDOWN, "spec.maxCooldown", problems);
    Duration resetAfter = duration(spec.getCooldownResetAfter(), DEFAULT_COOLDOWN_RESET_AFTER,
        "spec.cooldownResetAfter", problems);
    Duration grace = duration(spec.getStartupGracePeriod(), DEFAULT_STARTUP_GRACE, "spec.startupGracePeriod",
        problems);
    Recovery recovery = recovery(spec.getRecovery(), problems);
    if (!problems.isEmpty()) {
      throw new InvalidPolicyException(problems);
    }
    return new PolicySettings(List.copyOf(rules), maxUnhealthy, maxConcurrent, cooldown, rateMax, ratePer, staleAfter,
        Boolean.TRUE.equals(spec.getDryRun()), Boolean.TRUE.equals(spec.getPaused()), maxCooldown, resetAfter, grace,
        Boolean.TRUE.equals(spec.getEvictBarePods()), recovery);
  }

  /**
   * The cooldown of a slot after {@code inARow} remediations in a row (1 for the first): doubled each time, up to
   * maxCooldown (or the cooldown itself, when that is longer).
   */
  public Duration cooldownAfter(int inARow) {
    Duration max = maxCooldown.compareTo(cooldown) > 0 ? maxCooldown : cooldown;
    Duration wait = cooldown;
    for (int i = 1; i < inARow && wait.compareTo(max) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(max) > 0 ? max : wait;
  }

  private static Recovery recovery(OutageRecovery spec, List<String> problems) {
    if (spec == null) {
      return Recovery.DEFAULT;
    }
    Recovery d = Recovery.DEFAULT;
    Duration after = duration(spec.getAfter(), d.after(), "spec.recovery.after", problems);
    Duration backoff = duration(spec.getBackoff(), d.backoff(), "spec.recovery.backoff", problems);
    Duration maxBackoff = duration(spec.getMaxBackoff(), d.maxBackoff(), "spec.recovery.maxBackoff", problems);
    if (backoff.isZero()) {
      problems.add("spec.recovery.backoff must be more than 0");
    }
    if (maxBackoff.compareTo(backoff) < 0) {
      problems.add("spec.recovery.maxBackoff must be at least spec.recovery.backoff");
    }
    int attentionAfter = spec.getAttentionAfter() == null ? d.attentionAfter() : spec.getAttentionAfter();
    if (attentionAfter < 1) {
      problems.add("spec.recovery.attentionAfter must be at least 1");
    }
    Dependency dependency = null;
    DependencyCheck dep = spec.getDependency();
    if (dep != null) {
      Duration timeout = duration(dep.getTimeout(), Durations.parse(DependencyCheck.DEFAULT_TIMEOUT),
          "spec.recovery.dependency.timeout", problems);
      Duration interval = duration(dep.getInterval(), Durations.parse(DependencyCheck.DEFAULT_INTERVAL),
          "spec.recovery.dependency.interval", problems);
      if (timeout.isZero() || interval.isZero()) {
        problems.add("spec.recovery.dependency: timeout and interval must be more than 0");
      }
      if ((dep.getTcp() == null) == (dep.getHttp() == null)) {
        problems.add("spec.recovery.dependency: set either tcp or http");
      } else if (dep.getTcp() != null) {
        int colon = dep.getTcp().lastIndexOf(':');
        int port = -1;
        try {
          port = colon <= 0 ? -1 : Integer.parseInt(dep.getTcp().substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
        if (port < 1 || port > 65535) {
          problems.add("spec.recovery.dependency.tcp: '" + dep.getTcp() + "' is not host:port with a port 1-65535");
        } else {
          dependency = new Dependency(dep.getName(), dep.getTcp().substring(0, colon), port, null, timeout, interval);
        }
      } else {
        try {
          java.net.URI url = java.net.URI.create(dep.getHttp());
          if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
            throw new IllegalArgumentException("not an http(s) URL with a host");
          }
          dependency = new Dependency(dep.getName(), null, 0, url, timeout, interval);
        } catch (IllegalArgumentException e) {
          problems.add("spec.recovery.dependency.http: '" + dep.getHttp() + "': " + e.getMessage());
        }
      }
    }
    return new Recovery(spec.getMode() == null ? RecoveryMode.Canary : spec.getMode(), after, backoff, maxBackoff,
        attentionAfter, dependency);
  }

  private static Scale scale(RemediationAction action, ScaleSpec spec, String where, List<String> problems) {
    if (action != RemediationAction.ScaleTarget) {
      if (spec != null) {
        problems.add(where + ".scale is only for action ScaleTarget");
      }
      return null;
    }
    if (spec == null) {
      problems.add(where + ".scale is required for action ScaleTarget");
      return null;
    }
    ScaleTargetRef ref = spec.getTargetRef();
    if (ref == null || blank(ref.getApiVersion()) || blank(ref.getKind()) || blank(ref.getName())) {
      problems.add(where + ".scale.targetRef needs apiVersion, kind and name");
    }
    int min = spec.getMinHealthy() == null ? 0 : spec.getMinHealthy();
    int max = spec.getMaxReplicas() == null ? 0 : spec.getMaxReplicas();
    int step = spec.getStep() == null ? ScaleSpec.DEFAULT_STEP : spec.getStep();
    if (min < 1) {
      problems.add(where + ".scale.minHealthy must be at least 1");
    }
    if (max < 1) {
      problems.add(where + ".scale.maxReplicas must be at least 1");
    } else if (max < min) {
      problems.add(where + ".scale.maxReplicas must be at least minHealthy");
    }
    if (step < 1) {
      problems.add(where + ".scale.step must be at least 1");
    }
    Duration window = duration(spec.getStabilizationWindow(), Durations.parse(ScaleSpec.DEFAULT_STABILIZATION_WINDOW),
        where + ".scale.stabilizationWindow", problems);
    return ref == null ? null : new Scale(ref, min, max, step, window, !Boolean.FALSE.equals(spec.getRestoreOnDelete()));
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static Duration duration(String text, Duration dflt, String field, List<String> problems) {
    if (text == null) {
      return dflt;
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      problems.add(field + ": " + e.getMessage());
      return dflt;
    }
  }

  /** How many of {@code selected} pods may be failing before remediation stops (percentages round up). */
  public int allowedUnhealthy(int selected) {
    Function<String, Integer> percent = s -> Integer.parseInt(s.substring(0, s.length() - 1));
    if (maxUnhealthy.getIntVal() != null) {
      return maxUnhealthy.getIntVal();
    }
    return (int) Math.ceil(selected * percent.apply(maxUnhealthy.getStrVal()) / 100.0);
  }
}
