package io.workerhealth.operator.reconcile;

import static io.workerhealth.operator.reconcile.HealthFixtures.NOW;
import static io.workerhealth.operator.reconcile.HealthFixtures.health;
import static io.workerhealth.operator.reconcile.HealthFixtures.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.operator.planning.InvalidPolicyException;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
import io.workerhealth.operator.planning.WorkloadSlots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

/** What the informers keep: less, and nothing a decision reads goes missing. */
class InformerPruningTest {

  static Pod pod(String name) {
    return new PodBuilder().withNewMetadata().withName(name).withNamespace("outpost").withUid("uid-" + name)
        .withResourceVersion("7").withCreationTimestamp(NOW.toString())
        .withLabels(Map.of("app", "outpost", "pod-template-hash", "7d9f8c"))
        .withAnnotations(Map.of("kubectl.kubernetes.io/restartedAt", NOW.toString()))
        .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
            .withName("outpost-7d9f8c").withUid("rs-uid").withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withNewSpec().addNewContainer().withName("app").withImage("registry.invalid/outpost:1").endContainer()
        .addNewContainer().withName("sidecar").withImage("registry.invalid/sidecar:1").endContainer()
        .withNodeName("node-1").endSpec()
        .withNewStatus().withPhase("Running").withPodIP("10.0.0.7").endStatus()
        .build();
  }

  @Test
  void aWorkerHealthKeepsWhatPoliciesReadAndNothingElse() {
    WorkerHealth full = health("a", Duration.ofSeconds(3), Duration.ofMinutes(2));
    WorkerHealth kept = InformerPruning.workerHealth(HealthFixtures.copy(full));

    assertThat(kept.getMetadata().getName()).isEqualTo("a");
    assertThat(kept.getMetadata().getNamespace()).isEqualTo("outpost");
    assertThat(kept.getMetadata().getUid()).isEqualTo(full.getMetadata().getUid());
    assertThat(kept.getMetadata().getLabels()).isEqualTo(full.getMetadata().getLabels());
    assertThat(kept.getMetadata().getCreationTimestamp()).isEqualTo(full.getMetadata().getCreationTimestamp());
    assertThat(WorkerHealthChanges.podUid(kept)).isEqualTo("uid-a");
    assertThat(kept.getSpec().getIntervalSeconds()).isEqualTo(5);
    assertThat(kept.getStatus().getPhase()).isEqualTo(full.getStatus().getPhase());
    assertThat(kept.getStatus().getLastScrapeTime()).isEqualTo(full.getStatus().getLastScrapeTime());
    assertThat(kept.getStatus().getLastSuccessfulScrapeTime())
        .isEqualTo(full.getStatus().getLastSuccessfulScrapeTime());
    assertThat(kept.getStatus().getWorkers()).extracting(w -> w.getName() + "=" + w.getStatus() + "@"
        + w.getLastTransitionTime()).containsExactlyElementsOf(full.getStatus().getWorkers().stream()
        .map(w -> w.getName() + "=" + w.getStatus() + "@" + w.getLastTransitionTime()).toList());

    assertThat(kept.getMetadata().getAnnotations()).isEmpty();
    assertThat(kept.getMetadata().getManagedFields()).isEmpty();
    assertThat(kept.getSpec().getTargetURL()).isNull();
    assertThat(kept.getStatus().getHttpStatus()).isNull();
    assertThat(kept.getStatus().getWorkers()).allSatisfy(w -> assertThat(w.getMessage()).isNull());
    assertThat(Serialization.asJson(kept)).doesNotContain("connection refused", "127.0.0.1", "xxxx", "sidecar",
        "1/2");
  }

  @Test
  void aNodeAgentsReportKeepsItsReporterAndAChangedReporterMatters() {
    WorkerHealth full = health("a", Duration.ofSeconds(3), Duration.ofMinutes(2));
    full.getSpec().setReporter(io.workerhealth.api.v1alpha1.Reporter.agent("node-a"));
    WorkerHealth kept = InformerPruning.workerHealth(HealthFixtures.copy(full));
    assertThat(kept.getSpec().getReporter().getKind()).isEqualTo(io.workerhealth.api.v1alpha1.ReporterKind.Agent);
    assertThat(kept.getSpec().getReporter().getNodeName()).isEqualTo("node-a");

    WorkerHealth moved = HealthFixtures.copy(kept);
    moved.getSpec().setReporter(io.workerhealth.api.v1alpha1.Reporter.agent("node-b"));
    assertThat(WorkerHealthChanges.matters(kept, moved, NOW, Duration.ofMinutes(2))).isTrue();
    assertThat(WorkerHealthChanges.matters(kept, HealthFixtures.copy(kept), NOW, Duration.ofMinutes(2))).isFalse();
  }

  @Test
  void sharedStringsAreInternedAndEqualTimesOfAnObjectShareOne() {
    WorkerHealth a = InformerPruning.workerHealth(health("a", Duration.ZERO, null));
    WorkerHealth b = InformerPruning.workerHealth(health("b", Duration.ZERO, null));
    assertThat(a.getMetadata().getLabels().get("app")).isSameAs(b.getMetadata().getLabels().get("app"));
    assertThat(a.getStatus().getWorkers().get(1).getName()).isSameAs(b.getStatus().getWorkers().get(1).getName());
    assertThat(a.getStatus().getLastSuccessfulScrapeTime()).isSameAs(a.getStatus().getLastScrapeTime());
    assertThat(a.getStatus().getWorkers().get(1).getLastTransitionTime())
        .isSameAs(a.getStatus().getWorkers().get(0).getLastTransitionTime());
  }

  @Test
  void theObjectIsPrunedInPlaceSoTheInformersEventsHoldNoFullCopy() {
    WorkerHealth listed = health("a", Duration.ZERO, null);
    assertThat(InformerPruning.workerHealth(listed)).isSameAs(listed);
    assertThat(listed.getMetadata().getManagedFields()).isEmpty();
    Pod pod = pod("a");
    assertThat(InformerPruning.pod(pod)).isSameAs(pod);
    assertThat(pod.getSpec().getContainers()).isEmpty();
  }

  static PolicySettings restartPolicy() throws InvalidPolicyException {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart");
    rule.setWorkers(List.of("*-consumer"));
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    return PolicySettings.from(spec);
  }

  @Test
  void thePlannerDecidesAlikeOnPrunedAndFullWorkerHealths() throws InvalidPolicyException {
    List<WorkerHealth> full = List.of(health("healthy", Duration.ofSeconds(5), null),
        health("failing", Duration.ofSeconds(5), Duration.ofMinutes(3)),
        health("young", Duration.ofSeconds(5), Duration.ofSeconds(3)),
        health("stale", Duration.ofMinutes(10), Duration.ofMinutes(30)),
        unreachable(health("down", Duration.ofSeconds(5), null), Duration.ofMinutes(4)));
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart");
    rule.setWorkers(List.of("*-consumer"));
    rule.setWhen(List.of(io.workerhealth.api.v1alpha1.WorkerCondition.Failed,
        io.workerhealth.api.v1alpha1.WorkerCondition.Unreachable));
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    spec.setMaxUnhealthy(new io.fabric8.kubernetes.api.model.IntOrString("100%"));
    spec.setMaxConcurrent(5);
    PolicySettings settings = PolicySettings.from(spec);
    // every pod in the cache, each run by a Job of its own: a controller without rollouts, so nothing is looked up
    Map<ResourceID, Pod> pods = new HashMap<>();
    full.forEach(wh -> pods.put(new ResourceID(wh.getMetadata().getName(), "outpost"),
        InformerPruning.pod(new PodBuilder().withNewMetadata().withName(wh.getMetadata().getName())
            .withNamespace("outpost").withUid("uid-" + wh.getMetadata().getName())
            .withLabels(Map.of("app", "outpost")).withOwnerReferences(new OwnerReferenceBuilder()
                .withApiVersion("batch/v1").withKind("Job").withName(wh.getMetadata().getName() + "-job")
                .withController(true).build()).endMetadata().build())));
    PolicyObserver observer = new PolicyObserver(null, null, null);

    var fromFull = new RemediationPlanner().plan(settings,
        observe(observer, settings, full, pods).pods(), List.of(), NOW);
    var fromPruned = new RemediationPlanner().plan(settings,
        observe(observer, settings, full.stream().map(HealthFixtures::copy).map(InformerPruning::workerHealth)
            .toList(), pods).pods(),
        List.of(), NOW);
    assertThat(fromPruned).isEqualTo(fromFull);
    assertThat(fromPruned.actions()).extracting(d -> d.pod()).containsExactlyInAnyOrder("failing", "down");
  }

  @Test
  void aPodKeepsItsControllerLabelsAndCreationOnly() {
    Pod full = pod("a");
    Pod kept = InformerPruning.pod(Serialization.clone(full));
    assertThat(kept.getMetadata().getName()).isEqualTo("a");
    assertThat(kept.getMetadata().getUid()).isEqualTo("uid-a");
    assertThat(kept.getMetadata().getLabels()).isEqualTo(full.getMetadata().getLabels());
    assertThat(kept.getMetadata().getCreationTimestamp()).isEqualTo(NOW.toString());
    assertThat(WorkloadSlots.of("a", kept.getMetadata().getOwnerReferences())).isEqualTo("ReplicaSet/outpost-7d9f8c")
        .isEqualTo(WorkloadSlots.of("a", full.getMetadata().getOwnerReferences()));
    assertThat(kept.getSpec().getNodeName()).isEqualTo("node-1");
    assertThat(kept.getSpec().getContainers()).isEmpty();
    assertThat(kept.getStatus()).isNull();
    assertThat(kept.getMetadata().getAnnotations()).isEmpty();
  }

  @Test
  void aPodsStatusUpdateReconcilesNothingWhileItsLabelsControllerOrDeletionDo() {
    Pod before = InformerPruning.pod(pod("a"));
    Pod running = pod("a");
    running.getStatus().setPodIP("10.0.0.8");
    running.getMetadata().setResourceVersion("8");
    assertThat(InformerPruning.podChanged(InformerPruning.pod(running), before)).isFalse();

    Pod relabelled = pod("a");
    relabelled.getMetadata().setLabels(Map.of("app", "outpost"));
    assertThat(InformerPruning.podChanged(InformerPruning.pod(relabelled), before)).isTrue();
    Pod orphaned = pod("a");
    orphaned.getMetadata().setOwnerReferences(List.of());
    assertThat(InformerPruning.podChanged(InformerPruning.pod(orphaned), before)).isTrue();
    Pod deleting = pod("a");
    deleting.getMetadata().setDeletionTimestamp(NOW.toString());
    assertThat(InformerPruning.podChanged(InformerPruning.pod(deleting), before)).isTrue();
    assertThat(InformerPruning.podChanged(before, null)).isTrue();
  }

  @Test
  void theObserverTakesEachPodsSlotFromThePodCache() throws InvalidPolicyException {
    Pod cached = InformerPruning.pod(pod("a"));
    PolicyObserver observer = new PolicyObserver(null, null, null);
    WorkerHealth a = health("a", Duration.ZERO, null);
    WorkerHealth replaced = health("a", Duration.ZERO, null);
    replaced.getMetadata().getOwnerReferences().get(0).setUid("uid-of-another-pod-named-a");
    WorkerHealth gone = health("b", Duration.ZERO, null);
    PolicySettings settings = restartPolicy();
    assertThat(observe(observer, settings, List.of(a, replaced, gone), Map.of(new ResourceID("a", "outpost"), cached))
        .pods())
        .extracting(p -> p.slot()).containsExactly("ReplicaSet/outpost-7d9f8c", "Pod/a", "Pod/b");
  }

  private static io.workerhealth.operator.planning.PolicyObservation observe(PolicyObserver observer,
      PolicySettings settings, List<WorkerHealth> selected, Map<ResourceID, Pod> pods) {
    return observer.observe("outpost", "p", settings, new LabelSelector(null, Map.of("app", "outpost")), selected,
        HealthFixtures.podCache(pods), node -> null, new io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus(), NOW);
  }
}
