package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.workerhealth.api.v1alpha1.Durations;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.operator.planning.PolicySettings;
import java.time.Duration;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The policies whose selector matches a WorkerHealth or a pod, from java-operator-sdk's cache of policies (no request). */
final class SelectingPolicies {

  private final IndexerResourceCache<WorkerHealthPolicy> policies;
  /** staleAfter as written in specs → its duration (a handful of distinct values; parsing is a regex). */
  private final Map<String, Duration> staleAfters = new ConcurrentHashMap<>();
  /** Each policy's compiled selector, by uid. */
  private final Map<String, Compiled> matchers = new ConcurrentHashMap<>();
  private static final int MAX_MATCHERS = 100_000;

  SelectingPolicies(IndexerResourceCache<WorkerHealthPolicy> policies) {
    this.policies = policies;
  }

  Stream<WorkerHealthPolicy> of(HasMetadata wh) {
    // the namespace's policies only (fabric8's namespace index), each selector checked as compiled once
    Map<String, String> labels = wh.getMetadata().getLabels();
    return policies.byIndex(CacheIndexes.NAMESPACE, wh.getMetadata().getNamespace()).stream()
        .filter(p -> p.getSpec() != null && matcher(p).test(labels));
  }

  /** A policy's selector as a test, made again only when the selector changes. */
  private Predicate<Map<String, String>> matcher(WorkerHealthPolicy policy) {
    LabelSelector selector = policy.getSpec().getSelector();
    String uid = policy.getMetadata().getUid();
    Compiled compiled = uid == null ? null : matchers.get(uid);
    if (compiled == null || !Objects.equals(compiled.selector(), selector)) {
      if (matchers.size() > MAX_MATCHERS) {
        matchers.clear(); // policies deleted over time: start again rather than keep theirs
      }
      compiled = new Compiled(selector, LabelSelectors.matcher(selector));
      if (uid != null) {
        matchers.put(uid, compiled);
      }
    }
    return compiled.matcher();
  }

  private record Compiled(LabelSelector selector, Predicate<Map<String, String>> matcher) {}

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
