package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** WorkerHealths as a sidecar writes them, with every field set, for tests without an API server. */
final class HealthFixtures {

  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  private HealthFixtures() {}

  /** A pod cache holding {@code pods}, as the pod informer's would. */
  static PolicyObserver.Pods podCache(Map<ResourceID, Pod> pods) {
    return new PolicyObserver.Pods() {
      @Override
      public List<Pod> matching(String namespace, LabelSelector selector) {
        return pods.values().stream().filter(p -> namespace.equals(p.getMetadata().getNamespace())
            && LabelSelectors.matches(selector, p.getMetadata().getLabels())).toList();
      }

      @Override
      public Pod get(String namespace, String name) {
        return pods.get(new ResourceID(name, namespace));
      }
    };
  }

  /** A WorkerHealth scraped {@code scrapedAgo} before NOW; the consumer failing since {@code failingFor} (or healthy). */
  static WorkerHealth health(String name, Duration scrapedAgo, Duration failingFor) {
    Instant scraped = NOW.minus(scrapedAgo);
    WorkerHealth wh = new WorkerHealth();
    wh.getMetadata().setName(name);
    wh.getMetadata().setNamespace("outpost");
    wh.getMetadata().setUid("wh-" + name);
    wh.getMetadata().setResourceVersion("1");
    wh.getMetadata().setCreationTimestamp(NOW.minusSeconds(3600).toString());
    wh.getMetadata().setLabels(new java.util.HashMap<>(Map.of("app", "outpost", "pod-template-hash", "7d9f8c")));
    wh.getMetadata().setAnnotations(new java.util.HashMap<>(Map.of("note", "x".repeat(200))));
    wh.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName(name).withUid("uid-" + name).build()));
    wh.getMetadata().setManagedFields(new ArrayList<>(List.of(new ManagedFieldsEntry("v1", "FieldsV1", null,
        "sidecar", "Update", "status", scraped.toString()))));
    WorkerHealthSpec spec = new WorkerHealthSpec();
    spec.setPodName(name);
    spec.setTargetURL("http://127.0.0.1:8080/healthz");
    spec.setFormat(SourceFormat.AUTO);
    spec.setIntervalSeconds(5);
    spec.setHeartbeatSeconds(60);
    wh.setSpec(spec);
    WorkerHealthStatus s = new WorkerHealthStatus();
    boolean failed = failingFor != null;
    s.setPhase(failed ? HealthPhase.Failed : HealthPhase.Healthy);
    s.setFormat(SourceFormat.OUTPOST);
    s.setHttpStatus(failed ? 503 : 200);
    s.setLastScrapeTime(scraped.toString());
    s.setLastSuccessfulScrapeTime(scraped.toString());
    s.setConsecutiveFailures(0);
    s.setWorkers(new ArrayList<>(List.of(
        new WorkerState("http-server", WorkerStatus.Healthy, "healthy", null, NOW.minusSeconds(3600).toString()),
        new WorkerState("deliverymq-consumer", failed ? WorkerStatus.Failed : WorkerStatus.Healthy,
            failed ? "failed" : "healthy", failed ? "connection refused" : null,
            NOW.minus(failed ? failingFor : Duration.ofHours(1)).toString()))));
    s.setReady(failed ? "1/2" : "2/2");
    s.setFailing(failed ? "deliverymq-consumer" : null);
    wh.setStatus(s);
    return wh;
  }

  /** The same WorkerHealth after a heartbeat {@code later}: only the scrape times moved on. */
  static WorkerHealth heartbeat(WorkerHealth before, Duration later) {
    WorkerHealth after = copy(before);
    Instant t = Instant.parse(before.getStatus().getLastScrapeTime()).plus(later);
    after.getStatus().setLastScrapeTime(t.toString());
    after.getStatus().setLastSuccessfulScrapeTime(t.toString());
    after.getMetadata().setResourceVersion(String.valueOf(Long.parseLong(before.getMetadata().getResourceVersion())
        + 1));
    return after;
  }

  static WorkerHealth unreachable(WorkerHealth wh, Duration since) {
    WorkerHealth out = copy(wh);
    out.getStatus().setPhase(HealthPhase.Unreachable);
    out.getStatus().setLastSuccessfulScrapeTime(NOW.minus(since).toString());
    out.getStatus().setConsecutiveFailures(3);
    out.getStatus().setScrapeError(new ScrapeError(ScrapeErrorReason.ConnectionRefused, "refused"));
    return out;
  }

  static WorkerHealth copy(WorkerHealth wh) {
    return io.fabric8.kubernetes.client.utils.Serialization.clone(wh);
  }
}
