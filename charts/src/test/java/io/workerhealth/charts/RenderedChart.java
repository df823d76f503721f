package io.workerhealth.charts;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The objects {@code helm template} rendered, parsed as Kubernetes objects (typed where fabric8 knows the kind). */
record RenderedChart(List<HasMetadata> objects) {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  static RenderedChart parse(String manifests) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : DOCUMENT_SEPARATOR.split(manifests)) {
      String withoutComments = doc.lines().filter(l -> !l.stripLeading().startsWith("#"))
          .reduce("", (a, b) -> a + b + "\n");
      if (withoutComments.isBlank()) {
        continue;
      }
      Object parsed = SERIALIZATION.unmarshal(doc);
      if (!(parsed instanceof HasMetadata object)) {
        throw new IllegalArgumentException("rendered document is not a Kubernetes object:\n" + doc);
      }
      objects.add(object);
    }
    return new RenderedChart(List.copyOf(objects));
  }

  <T extends HasMetadata> Stream<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast);
  }

  <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = all(type).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected exactly one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  Stream<GenericKubernetesResource> ofKind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.getKind()))
        .map(o -> o instanceof GenericKubernetesResource g ? g : SERIALIZATION.convertValue(o, GenericKubernetesResource.class));
  }
}
