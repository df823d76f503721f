package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.workerhealth.api.v1alpha1.Durations;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.operator.planning.PolicySettings;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The policies whose selector matches a WorkerHealth or a pod, from java-operator-sdk's cache of policies (no request). */
final class SelectingPolicies {

  private final IndexerResourceCache<WorkerHealthPolicy> policies;
  /** staleAfter as written in specs → its duration (a handful of distinct values; parsing is a regex). */
  private final Map<String, Duration> staleAfters = new ConcurrentHashMap<>();

  SelectingPolicies(IndexerResourceCache<WorkerHealthPolicy> policies) {
    this.policies = policies;
  }

  Stream<WorkerHealthPolicy> of(HasMetadata wh) {
    return policies.list(wh.getMetadata().getNamespace(), p -> p.getSpec() != null
        && LabelSelectors.matches(p.getSpec().getSelector(), wh.getMetadata().getLabels()));
  }

  Set<ResourceID> ids(HasMetadata wh) {
    return of(wh).map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  /** The shortest staleAfter of the policies selecting {@code wh}, or null when none does. */
  Duration shortestStaleAfter(WorkerHealth wh) {
    return of(wh).map(this::staleAfter).min(Duration::compareTo).orElse(null);
  }

  private Duration staleAfter(WorkerHealthPolicy policy) {
    String text = policy.getSpec().getStaleAfter();
    if (text == null) {
      return PolicySettings.DEFAULT_STALE_AFTER;
    }
    return staleAfters.computeIfAbsent(text, t -> {
      try {
        return Durations.parse(t);
      } catch (IllegalArgumentException e) {
        return Duration.ZERO; // an invalid policy: every update matters until it is fixed
      }
    });
  }
}
