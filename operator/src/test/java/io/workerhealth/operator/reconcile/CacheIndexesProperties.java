package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.impl.cache.CacheImpl;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A policy's candidates read through the caches' indexes ({@link CacheIndexes}) are exactly what a scan of the whole
 * cache with the selector returns, for selectors of any shape; and a reconcile reads the objects its selector may match,
 * not the cluster's.
 */
class CacheIndexesProperties {

  static final List<String> NAMESPACES = List.of("shop", "batch");
  static final List<String> VALUES = List.of("a", "b", "c", "");

  /** fabric8's informer cache (with its namespace index) and the label index, as java-operator-sdk exposes it. */
  static final class IndexedCache implements IndexedResourceCache<Pod> {
    final CacheImpl<Pod> cache = new CacheImpl<>();
    /** How many cached objects the reads returned: what a reconcile had to look at. */
    final AtomicInteger read = new AtomicInteger();

    IndexedCache(List<Pod> pods) {
      cache.addIndexers(CacheIndexes.indexers());
      pods.forEach(cache::put);
    }

    @Override
    public List<Pod> byIndex(String indexName, String indexKey) {
      List<Pod> out = cache.byIndex(indexName, indexKey);
      read.addAndGet(out.size());
      return out;
    }

    @Override
    public Stream<Pod> list(String namespace, Predicate<Pod> predicate) {
      List<Pod> all = cache.list();
      read.addAndGet(all.size());
      return all.stream().filter(p -> namespace.equals(p.getMetadata().getNamespace())).filter(predicate);
    }

    @Override
    public Optional<Pod> get(ResourceID id) {
      return Optional.ofNullable(cache.getByKey(CacheImpl.namespaceKeyFunc(id.getNamespace().orElse(null),
          id.getName())));
    }

    @Override
    public Stream<ResourceID> keys() {
      return cache.list().stream().map(ResourceID::fromResource);
    }

    @Override
    public Stream<Pod> list(Predicate<Pod> predicate) {
      return cache.list().stream().filter(predicate);
    }
  }

  @Provide
  Arbitrary<List<Pod>> pods() {
    Arbitrary<Map<String, String>> labels = Arbitraries.maps(Arbitraries.of("app", "tier", "example.com/team"),
        Arbitraries.of(VALUES)).ofMaxSize(3).map(HashMap::new);
    Arbitrary<Pod> pod = Combinators.combine(Arbitraries.of(NAMESPACES), labels, Arbitraries.of(true, false))
        .as((ns, l, deleting) -> new PodBuilder().withNewMetadata().withNamespace(ns).withLabels(l)
            .withDeletionTimestamp(deleting ? "2026-01-01T00:00:00Z" : null).endMetadata().build());
    return pod.list().ofMaxSize(40).map(list -> {
      for (int i = 0; i < list.size(); i++) {
        list.get(i).getMetadata().setName("pod-" + i);
      }
      return list;
    });
  }

  @Provide
  Arbitrary<LabelSelector> selectors() {
    Arbitrary<List<String>> values = Arbitraries.oneOf(Arbitraries.just(List.of()),
        Arbitraries.of(VALUES).list().ofMinSize(1).ofMaxSize(3).map(ArrayList::new));
    Arbitrary<LabelSelectorRequirement> requirement = Combinators.combine(Arbitraries.of("app", "tier",
        "example.com/team"), Arbitraries.of("In", "NotIn", "Exists", "DoesNotExist", "Bogus"), values)
        .as(LabelSelectorRequirement::new);
    Arbitrary<Map<String, String>> matchLabels = Arbitraries.oneOf(Arbitraries.just(null),
        Arbitraries.maps(Arbitraries.of("app", "tier", "example.com/team"), Arbitraries.of(VALUES)).ofMinSize(1)
            .ofMaxSize(2));
    Arbitrary<List<LabelSelectorRequirement>> expressions = Arbitraries.oneOf(Arbitraries.just(null),
        requirement.list().ofMaxSize(3).map(ArrayList::new));
    return Combinators.combine(expressions, matchLabels).as(LabelSelector::new);
  }

  @Property(tries = 2000)
  void theIndexesSelectExactlyWhatAScanSelects(@ForAll("pods") List<Pod> pods,
                                               @ForAll("selectors") LabelSelector selector) {
    IndexedCache cache = new IndexedCache(pods);
    Predicate<Pod> live = p -> p.getMetadata().getDeletionTimestamp() == null;
    for (String ns : NAMESPACES) {
      List<Pod> scanned = pods.stream().filter(p -> ns.equals(p.getMetadata().getNamespace()))
          .filter(p -> LabelSelectors.matches(selector, p.getMetadata().getLabels())).filter(live).toList();
      assertThat(names(CacheIndexes.select(cache, ns, selector, live)))
          .as("namespace %s, selector %s", ns, selector).isEqualTo(names(scanned));
    }
  }

  @Example
  void aReconcileReadsThePodsItsSelectorMayMatchNotTheCluster() {
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      // 100 apps of 100 pods, in two namespaces, all of one tier
      pods.add(new PodBuilder().withNewMetadata().withName("pod-" + i).withNamespace(NAMESPACES.get(i % 2))
          .withLabels(Map.of("app", "app-" + (i % 100), "tier", "workers")).endMetadata().build());
    }
    IndexedCache cache = new IndexedCache(pods);
    LabelSelector byApp = new LabelSelector(null, Map.of("app", "app-4"));
    assertThat(CacheIndexes.select(cache, "shop", byApp, p -> true)).hasSize(100);
    assertThat(cache.read.get()).as("objects read: the app's pods only").isEqualTo(100);
    cache.read.set(0);
    LabelSelector byAppAndTier = new LabelSelector(null, Map.of("app", "app-4", "tier", "workers"));
    assertThat(CacheIndexes.select(cache, "shop", byAppAndTier, p -> true)).hasSize(100);
    assertThat(cache.read.get()).as("each label's entries are looked up, the smaller one is checked")
        .isEqualTo(100 + 5_000);
    cache.read.set(0);
    LabelSelector byExpression = new LabelSelector(List.of(new LabelSelectorRequirement("app", "In",
        Arrays.asList("app-4", "app-6"))), null);
    assertThat(CacheIndexes.select(cache, "shop", byExpression, p -> true)).hasSize(200);
    assertThat(cache.read.get()).isEqualTo(200);
    cache.read.set(0);
    // nothing to look up by: the namespace's pods, not every cached one
    LabelSelector byAbsence = new LabelSelector(List.of(new LabelSelectorRequirement("team", "DoesNotExist",
        null)), null);
    assertThat(CacheIndexes.select(cache, "shop", byAbsence, p -> true)).hasSize(5_000);
    assertThat(cache.read.get()).isEqualTo(5_000);
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).sorted(Comparator.naturalOrder()).toList();
  }
}
