package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.workerhealth.api.v1alpha1.Durations;
import io.workerhealth.api.v1alpha1.RateLimit;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
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

  /** One rule, parsed. */
  public record Rule(String name, List<String> workerPatterns, Set<WorkerCondition> when, Duration forDuration,
                     RemediationAction action) {

    public boolean matchesWorker(String worker) {
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
    if (spec.getSelector() == null) {
      problems.add("spec.selector is required");
    }
    List<Rule> rules = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<RemediationRule> specRules = spec.getRules() == null ? List.of() : spec.getRules();
    if (specRules.isEmpty()) {
      problems.add("spec.rules needs at least one rule");
    }
    for (int i = 0; i < specRules.size(); i++) {
      RemediationRule r = specRules.get(i);
      String where = "spec.rules[" + i + "]";
      if (r.getName() == null || r.getName().isBlank()) {
        problems.add(where + ".name is required");
      } else if (!names.add(r.getName())) {
        problems.add(where + ".name '" + r.getName() + "' is used twice");
      }
      if (r.getWorkers() == null || r.getWorkers().isEmpty() || r.getWorkers().stream().anyMatch(w -> w == null || w.isBlank())) {
        problems.add(where + ".workers needs at least one worker name or glob");
      }
      if (r.getAction() == null) {
        problems.add(where + ".action is required (RestartPod or None)");
      }
      Duration forDuration = duration(r.getFor(), DEFAULT_FOR, where + ".for", problems);
      Set<WorkerCondition> when = r.getWhen() == null || r.getWhen().isEmpty()
          ? EnumSet.of(WorkerCondition.Failed) : EnumSet.copyOf(r.getWhen());
      rules.add(new Rule(r.getName(), r.getWorkers() == null ? List.of() : List.copyOf(r.getWorkers()), when,
          forDuration, r.getAction()));
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
    Duration staleAfter = duration(spec.getStaleAfter(), DEFAULT_STALE_AFTER, "spec.staleAfter", problems);
    if (!problems.isEmpty()) {
      throw new InvalidPolicyException(problems);
    }
    return new PolicySettings(List.copyOf(rules), maxUnhealthy, maxConcurrent, cooldown, rateMax, ratePer, staleAfter,
        Boolean.TRUE.equals(spec.getDryRun()), Boolean.TRUE.equals(spec.getPaused()));
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
