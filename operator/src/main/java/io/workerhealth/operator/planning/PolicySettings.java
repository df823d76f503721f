package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.workerhealth.api.v1alpha1.Durations;
import io.workerhealth.api.v1alpha1.EscalationStep;
import io.workerhealth.api.v1alpha1.RateLimit;
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
                             boolean paused) {

  public static final int DEFAULT_MAX_CONCURRENT = 1;
  public static final Duration DEFAULT_COOLDOWN = Duration.ofMinutes(5);
  public static final int DEFAULT_RATE_MAX = 10;
  public static final Duration DEFAULT_RATE_PER = Duration.ofHours(1);
  public static final Duration DEFAULT_STALE_AFTER = Duration.ofMinutes(2);
  public static final Duration DEFAULT_FOR = Duration.ofSeconds(30);
  public static final Duration DEFAULT_VERIFICATION_WINDOW = Durations.parse(Verification.DEFAULT_WINDOW);
  public static final Duration DEFAULT_WITHIN = Durations.parse(EscalationStep.DEFAULT_WITHIN);

  /** A ScaleTarget action's settings, parsed. */
  public record Scale(ScaleTargetRef targetRef, int minHealthy, int maxReplicas, int step,
                      Duration stabilizationWindow) {
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
                     List<Step> steps, boolean escalating, Duration verificationWindow, int maxNotRecovered) {

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
      Duration forDuration = duration(r.getFor(), DEFAULT_FOR, where + ".for", problems);
      if (r.getWhen() != null && r.getWhen().stream().anyMatch(java.util.Objects::isNull)) {
        problems.add(where + ".when: a state is empty");
      }
      Set<WorkerCondition> when = r.getWhen() == null || r.getWhen().stream().allMatch(java.util.Objects::isNull)
          ? EnumSet.of(WorkerCondition.Failed)
          : EnumSet.copyOf(r.getWhen().stream().filter(java.util.Objects::nonNull).toList());
      Rule rule = new Rule(r.getName(), r.getWorkers() == null ? List.of() : List.copyOf(r.getWorkers()), when,
          forDuration, List.copyOf(steps), escalating, window, maxNotRecovered);
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
    if (!problems.isEmpty()) {
      throw new InvalidPolicyException(problems);
    }
    return new PolicySettings(List.copyOf(rules), maxUnhealthy, maxConcurrent, cooldown, rateMax, ratePer, staleAfter,
        Boolean.TRUE.equals(spec.getDryRun()), Boolean.TRUE.equals(spec.getPaused()));
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
    return ref == null ? null : new Scale(ref, min, max, step, window);
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
