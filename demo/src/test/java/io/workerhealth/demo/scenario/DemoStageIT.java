package io.workerhealth.demo.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.demo.cluster.MockCluster;
import io.workerhealth.demo.view.ClusterView;
import io.workerhealth.demo.view.Narration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DemoStageIT {

  MockCluster cluster;
  KubernetesClient client;
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  DemoStage stage;

  @BeforeEach
  void start() {
    cluster = MockCluster.start(Clock.systemUTC());
    client = cluster.newClient();
    client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("shop-a")
        .addToLabels("app", "shop").endMetadata().build()).create();
    Narration narration = new Narration(new PrintStream(bytes, true, StandardCharsets.UTF_8), Clock.systemUTC());
    stage = new DemoStage(client, "shop", Map.of("app", "shop"), "restart", Duration.ofSeconds(3), List::of,
        (pod, path) -> "http://127.0.0.1:1" + path, new ClusterView(client, "shop", Clock.systemUTC(), narration),
        narration, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    client.close();
    cluster.close();
  }

  @Test
  void anExpectationThatNeverHoldsFailsWithWhatWasSeen() {
    assertThatThrownBy(() -> stage.expect("pod shop-a is evicted", Duration.ofMillis(600),
        () -> stage.podNames().isEmpty()))
        .isInstanceOfSatisfying(ExpectationFailed.class, e -> {
          assertThat(e.expectation()).isEqualTo("pod shop-a is evicted (within 0.6s)");
          assertThat(e.seen()).contains("pods: [shop-a]", "policy restart: no status");
        });
  }

  @Test
  void anExpectationThatHoldsSaysSo() throws Exception {
    stage.expect("pod shop-a runs", Duration.ofSeconds(5), () -> stage.podNames().equals(List.of("shop-a")));
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("ok: pod shop-a runs (");
  }

  @Test
  void keepsFailsAsSoonAsTheConditionBreaks() {
    AtomicInteger checks = new AtomicInteger();
    long start = System.nanoTime();
    assertThatThrownBy(() -> stage.keeps("nothing changes", Duration.ofSeconds(30), () -> checks.incrementAndGet() < 3))
        .isInstanceOf(ExpectationFailed.class).hasMessageContaining("nothing changes (for 30.0s)");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aFaultIsShownAsTheCurlAUserWouldType() {
    stage.fault("shop-a", "/faults/outage");
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("$ curl -X POST 'http://127.0.0.1:1/faults/outage'   # pod shop-a");
  }
}
