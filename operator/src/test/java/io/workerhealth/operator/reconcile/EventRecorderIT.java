package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Events aggregated as Kubernetes' own recorder does, against the mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class EventRecorderIT {

  static final String NS = "outpost";

  KubernetesClient client;
  Instant now = Instant.parse("2026-01-01T12:00:00Z");
  final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  };

  WorkerHealthPolicy policy() {
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName("restart");
    p.getMetadata().setNamespace(NS);
    p.getMetadata().setUid("uid-policy");
    return p;
  }

  List<Event> events() {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .sorted(Comparator.comparing(e -> e.getMetadata().getName())).toList();
  }

  @Test
  void theSameEventAgainRaisesTheCountOfTheOneWrittenInsteadOfCreatingAnother() {
    EventRecorder events = new EventRecorder(client, clock);
    events.on(policy(), "Warning", "EvictionBlocked", "pod outpost-b: a PodDisruptionBudget does not allow it");
    now = now.plusSeconds(30);
    events.on(policy(), "Warning", "EvictionBlocked", "pod outpost-b: a PodDisruptionBudget does not allow it");
    now = now.plusSeconds(30);
    events.on(policy(), "Warning", "EvictionBlocked", "pod outpost-b: a PodDisruptionBudget does not allow it");

    assertThat(events()).singleElement().satisfies(e -> {
      assertThat(e.getCount()).isEqualTo(3);
      assertThat(e.getFirstTimestamp()).isEqualTo("2026-01-01T12:00:00Z");
      assertThat(e.getLastTimestamp()).isEqualTo("2026-01-01T12:01:00Z");
      assertThat(e.getInvolvedObject().getName()).isEqualTo("restart");
    });
    // another message is another Event
    events.on(policy(), "Warning", "EvictionBlocked", "pod outpost-c: a PodDisruptionBudget does not allow it");
    assertThat(events()).hasSize(2);
  }

  @Test
  void manySimilarEventsAreCombinedIntoOneWhoseCountGrows() {
    EventRecorder events = new EventRecorder(client, clock);
    for (int i = 0; i < EventRecorder.MAX_SIMILAR + 5; i++) {
      events.on(policy(), "Normal", "RemediationSkipped", "pod outpost-" + i + ": Cooldown");
      now = now.plusSeconds(1);
    }
    List<Event> written = events();
    assertThat(written).hasSize(EventRecorder.MAX_SIMILAR + 1);
    assertThat(written).filteredOn(e -> e.getMessage().startsWith(EventRecorder.COMBINED)).singleElement()
        .satisfies(e -> {
          assertThat(e.getCount()).isEqualTo(5);
          assertThat(e.getMessage()).endsWith("pod outpost-14: Cooldown");
        });
    // after the window, messages count as new again
    now = now.plus(EventRecorder.SIMILAR_WINDOW).plus(Duration.ofSeconds(1));
    events.on(policy(), "Normal", "RemediationSkipped", "pod outpost-99: Cooldown");
    assertThat(events()).filteredOn(e -> e.getMessage().equals("pod outpost-99: Cooldown")).hasSize(1);
  }

  @Test
  void anEventThatExpiredIsWrittenAgain() {
    EventRecorder events = new EventRecorder(client, clock);
    events.on(policy(), "Normal", "Restarted", "evicted pod outpost-b");
    client.v1().events().inNamespace(NS).delete();
    now = now.plusSeconds(5);
    events.on(policy(), "Normal", "Restarted", "evicted pod outpost-b");
    assertThat(events()).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
  }
}
