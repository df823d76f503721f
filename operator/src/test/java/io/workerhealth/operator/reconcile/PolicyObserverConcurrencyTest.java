package io.workerhealth.operator.reconcile;

import static io.workerhealth.operator.reconcile.HealthFixtures.NOW;
import static io.workerhealth.operator.reconcile.HealthFixtures.health;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.operator.planning.PolicyObservation;
import io.workerhealth.operator.planning.PolicySettings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciles of different policies do not wait for each other's requests: when the pods of 50 policies fail at
 * once, each policy's lookup of its ReplicaSet's owner runs alongside the others, not one round trip after another.
 */
class PolicyObserverConcurrencyTest {

  private HttpServer server;
  private KubernetesClient client;
  /** Counted down by each ReplicaSet GET as it arrives; each is answered only once both have arrived. */
  private final CountDownLatch bothArrived = new CountDownLatch(2);
  private final AtomicBoolean answeredAlone = new AtomicBoolean();

  @BeforeEach
  void apiServer() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext("/apis/apps/v1/namespaces/outpost/replicasets/", exchange -> {
      bothArrived.countDown();
      try {
        if (!bothArrived.await(5, TimeUnit.SECONDS)) {
          answeredAlone.set(true); // the other lookup never came while this one was outstanding
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:"
        + server.getAddress().getPort()).withRequestTimeout(20_000).withRequestRetryBackoffLimit(0).build()).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
  }

  @Test
  void twoPoliciesLookUpTheirReplicaSetsAtTheSameTime() throws Exception {
    PolicyObserver observer = new PolicyObserver(client, null, null);
    PolicySettings settings = InformerPruningTest.restartPolicy();
    CompletableFuture<PolicyObservation> a = CompletableFuture.supplyAsync(() -> observe(observer, settings, "a"));
    CompletableFuture<PolicyObservation> b = CompletableFuture.supplyAsync(() -> observe(observer, settings, "b"));
    assertThat(a.get(30, TimeUnit.SECONDS).pods()).singleElement().satisfies(p -> {
      assertThat(p.slot()).isEqualTo("ReplicaSet/rs-a");
      assertThat(p.rollout()).isNull();
    });
    assertThat(b.get(30, TimeUnit.SECONDS).pods()).singleElement()
        .satisfies(p -> assertThat(p.slot()).isEqualTo("ReplicaSet/rs-b"));
    assertThat(answeredAlone).as("a lookup waited for the other policy's lookup to finish").isFalse();
  }

  /** A policy whose one pod, of its own ReplicaSet, has a failing worker. */
  private static PolicyObservation observe(PolicyObserver observer, PolicySettings settings, String name) {
    Pod pod = InformerPruningTest.pod(name);
    pod.getMetadata().getOwnerReferences().get(0).setName("rs-" + name);
    return observer.observe("outpost", "policy-" + name, settings, new LabelSelector(null, Map.of("app", "outpost")),
        List.of(health(name, Duration.ZERO, Duration.ofMinutes(5))),
        HealthFixtures.podCache(Map.of(new ResourceID(name, "outpost"), InformerPruning.pod(pod))), node -> null,
        new WorkerHealthPolicyStatus(), NOW);
  }
}
