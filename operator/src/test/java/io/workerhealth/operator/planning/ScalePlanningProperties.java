package io.workerhealth.operator.planning;

import static io.workerhealth.operator.planning.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.ScaleSpec;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** ScaleTarget stays within its bounds over random fleets, replicas and remembered state. */
class ScalePlanningProperties {

  static final String TARGET = "Deployment/outpost-delivery";

  record Scenario(PolicySettings policy, List<PodHealth> pods, int replicas, ScaleTargetState state) {}

  final RemediationPlanner planner = new RemediationPlanner();

  Plan plan(Scenario s) {
    return planner.plan(s.policy(), new PlanInputs(s.pods(), List.of(), null, List.of(),
        s.state() == null ? List.of() : List.of(s.state()),
        Map.of(TARGET, ScaleTargetObservation.of(TARGET, s.replicas()))), NOW);
  }

  @Property(tries = 500)
  void aScaleUpNeverGoesAboveMaxReplicasAndNeverDown(@ForAll("scenarios") Scenario s) {
    int max = s.policy().rules().get(0).scale().maxReplicas();
    for (Plan.Decision d : plan(s).actions()) {
      if (d.scaleUp()) {
        assertThat(d.toReplicas()).isLessThanOrEqualTo(max).isGreaterThan(s.replicas());
        assertThat(d.fromReplicas()).isEqualTo(s.replicas());
      }
    }
  }

  @Property(tries = 500)
  void steppingDownNeverGoesBelowTheBaselineNorHappensWithoutOneOrWithTooFewHealthy(
      @ForAll("scenarios") Scenario s) {
    PolicySettings.Rule rule = s.policy().rules().get(0);
    for (Plan.Decision d : plan(s).actions()) {
      if (d.action() == RemediationAction.ScaleTarget && !d.scaleUp()) {
        assertThat(s.state()).as("only a target the operator scaled steps down").isNotNull();
        assertThat(d.toReplicas()).isGreaterThanOrEqualTo(s.state().getBaselineReplicas()).isLessThan(s.replicas());
        assertThat(RemediationPlanner.healthyFor(rule, s.pods(), s.policy(), NOW))
            .isGreaterThanOrEqualTo(rule.scale().minHealthy());
      }
    }
  }

  @Property(tries = 500)
  void atMostOneScaleDecisionPerTargetAndNoneIntoAnOutage(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);
    assertThat(plan.actions().stream().filter(d -> d.action() == RemediationAction.ScaleTarget)).hasSizeLessThan(2);
    if (RemediationPlanner.sharedFailure(s.policy().rules().get(0), s.pods(), s.policy(), NOW) != null) {
      assertThat(plan.actions().stream().filter(Plan.Decision::scaleUp)).isEmpty();
    }
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<Integer> minHealthy = Arbitraries.integers().between(1, 6);
    Arbitrary<Integer> extra = Arbitraries.integers().between(0, 5);
    Arbitrary<Integer> step = Arbitraries.integers().between(1, 4);
    Arbitrary<List<Integer>> podKinds = Arbitraries.integers().between(0, 2).list().ofMinSize(0).ofMaxSize(8);
    Arbitrary<Integer> replicas = Arbitraries.integers().between(0, 12);
    Arbitrary<Integer> baseline = Arbitraries.integers().between(0, 12);
    Arbitrary<Integer> stateKind = Arbitraries.integers().between(0, 3);
    return Combinators.combine(minHealthy, extra, step, podKinds, replicas, baseline, stateKind)
        .as((min, ext, st, kinds, reps, base, sk) -> {
          RemediationRule r = Fixtures.rule("keep", RemediationAction.ScaleTarget, "30s", "*-consumer");
          ScaleSpec scale = new ScaleSpec(new ScaleTargetRef("apps/v1", "Deployment", "outpost-delivery"), min,
              min + ext);
          scale.setStep(st);
          r.setScale(scale);
          PolicySettings policy = Fixtures.settings(Fixtures.unhealthy(Fixtures.spec(r), "100%"));
          List<PodHealth> pods = new ArrayList<>();
          for (int i = 0; i < kinds.size(); i++) {
            String name = "app-" + i;
            pods.add(switch (kinds.get(i)) {
              case 0 -> Fixtures.healthy(name);
              case 1 -> Fixtures.failing(name, Duration.ofMinutes(2));
              default -> Fixtures.failing(name, Duration.ofSeconds(5));
            });
          }
          ScaleTargetState state = switch (sk) {
            case 0 -> null;
            case 1 -> new ScaleTargetState(TARGET, "keep", base, reps, NOW.minusSeconds(3600).toString(),
                NOW.minusSeconds(3600).toString());
            case 2 -> new ScaleTargetState(TARGET, "keep", base, reps, NOW.minusSeconds(30).toString(), null);
            default -> new ScaleTargetState(TARGET, "keep", base, reps + 1, NOW.minusSeconds(3600).toString(), null);
          };
          return new Scenario(policy, pods, reps, state);
        });
  }
}
