package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.workerhealth.operator.planning.SelectorValidation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Lookups in the informers' caches by namespace and by label, so that a reconcile reads the objects its policy may
 * select rather than the whole cache. java-operator-sdk's {@code list(namespace, predicate)} copies and filters every
 * cached object (at 50,000 pods, two such scans per reconcile were most of the operator's CPU); fabric8's informer
 * keeps a namespace index, and {@link #LABEL} adds one entry per label of each object ("namespace/key=value").
 *
 * <p>A selector with {@code matchLabels} reads the smallest of its labels' index entries, one with only expressions
 * the smallest union of an {@code In} expression's values, otherwise the namespace; the full selector is then checked
 * on each candidate, so the result is exactly what a scan would return.
 */
final class CacheIndexes {

  /** fabric8's own index of every informer's cache: the object's namespace. */
  static final String NAMESPACE = Cache.NAMESPACE_INDEX;
  /** The index of objects by namespace and label. */
  static final String LABEL = "workerhealth.io/namespace-label";

  private CacheIndexes() {}

  /** The indexers the WorkerHealth and pod informers are given (before they start). */
  static <R extends HasMetadata> Map<String, Function<R, List<String>>> indexers() {
    return Map.of(LABEL, CacheIndexes::labelKeys);
  }

  /** The label index's keys of an object: one per label. */
  static List<String> labelKeys(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    if (labels == null || labels.isEmpty()) {
      return List.of();
    }
    String namespace = object.getMetadata().getNamespace();
    List<String> keys = new ArrayList<>(labels.size());
    labels.forEach((key, value) -> keys.add(labelKey(namespace, key, value)));
    return keys;
  }

  static String labelKey(String namespace, String key, String value) {
    // a namespace has no '/', a label key no '=': the parts cannot run into each other
    return namespace + "/" + key + "=" + value;
  }

  /**
   * The cached objects of {@code namespace} that {@code selector} selects and {@code also} accepts, read through the
   * indexes (the cache must carry {@link #indexers()}).
   */
  static <R extends HasMetadata> List<R> select(IndexedResourceCache<R> cache, String namespace,
                                                LabelSelector selector, Predicate<R> also) {
    if (selector == null || !SelectorValidation.isValid(selector)) {
      return List.of(); // selects nothing (its policy is reported InvalidSpec)
    }
    Predicate<Map<String, String>> matcher = LabelSelectors.matcher(selector);
    List<R> candidates = candidates(cache, namespace, selector);
    List<R> out = new ArrayList<>(candidates.size());
    for (R r : candidates) {
      if (matcher.test(r.getMetadata().getLabels()) && also.test(r)) {
        out.add(r);
      }
    }
    return out;
  }

  private static <R extends HasMetadata> List<R> candidates(IndexedResourceCache<R> cache, String namespace,
                                                            LabelSelector selector) {
    List<R> best = null;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        List<R> bucket = cache.byIndex(LABEL, labelKey(namespace, e.getKey(), e.getValue()));
        if (best == null || bucket.size() < best.size()) {
          best = bucket;
        }
      }
    }
    if (best == null && selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!"In".equals(r.getOperator())) {
          continue;
        }
        List<R> union = new ArrayList<>();
        for (String value : new LinkedHashSet<>(r.getValues())) {
          union.addAll(cache.byIndex(LABEL, labelKey(namespace, r.getKey(), value)));
        }
        if (best == null || union.size() < best.size()) {
          best = union;
        }
      }
    }
    return best != null ? best : cache.byIndex(NAMESPACE, namespace);
  }
}
