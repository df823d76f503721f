package io.workerhealth.sidecar.agent;

import static io.workerhealth.sidecar.agent.AgentPods.scraped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.HostileCases;
import io.workerhealth.sidecar.HostileEndpoint;
import io.workerhealth.sidecar.TestHealthEndpoint;
import io.workerhealth.sidecar.report.ReportingClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The hostile-endpoint suite of the sidecar ({@link HostileCases}), played against one agent at once: every case is a
 * pod of the node, next to well-behaved pods. Each case's WorkerHealth must end as the suite says, the well-behaved
 * pods must keep their pace, and the agent must stay alive.
 */
@EnableKubernetesMockClient(crud = true)
class HostileEndpointAgentIT {

  KubernetesClient client;

  @Test
  void everyCaseAtOnceEndsAsTheSuiteSaysAndTheOtherPodsKeepTheirPace() throws Exception {
    ReportingClient api = ReportingClient.build(new ConfigBuilder(Config.empty())
        .withMasterUrl(client.getConfiguration().getMasterUrl()).withTrustCerts(true).build(), Clock.systemUTC());
    FedNodePods pods = new FedNodePods();
    List<TestHealthEndpoint> quiet = new ArrayList<>();
    try (HostileEndpoint hostile = HostileCases.serve()) {
      NodeAgent agent = new NodeAgent(AgentConfig.fromEnv(Map.of("NODE_NAME", "node-a", "POD_NAME", "agent-x",
          "POD_NAMESPACE", "worker-health", "WH_METRICS_PORT", "0", "WH_SCRAPE_THREADS", "8")), api, pods,
          Clock.systemUTC(), new Random(3)).start();
      try {
        Map<String, HostileCases.Expected> byPod = new LinkedHashMap<>();
        for (HostileCases.Expected e : HostileCases.EXPECTED) {
          String name = "case" + e.path().replaceAll("[^a-z0-9]+", "-");
          byPod.put(name, e);
          pods.changed(scraped(name, hostile.port(), "path", e.path(), "interval", "3s", "timeout", "2s"));
        }
        for (int i = 0; i < 3; i++) {
          TestHealthEndpoint app = new TestHealthEndpoint().answer(200, "application/json",
              HostileCases.OUTPOST_HEALTHY);
          quiet.add(app);
          pods.changed(scraped("quiet-" + i, app.port(), "interval", "500ms", "timeout", "500ms"));
        }

        await().atMost(60, TimeUnit.SECONDS).pollInterval(1, TimeUnit.SECONDS).untilAsserted(() -> {
          for (Map.Entry<String, HostileCases.Expected> c : byPod.entrySet()) {
            WorkerHealth wh = client.resources(WorkerHealth.class).inNamespace("shop").withName(c.getKey()).get();
            assertThat(wh).as(c.getKey()).isNotNull();
            assertEndsAsExpected(c.getKey(), c.getValue(), wh.getStatus());
          }
        });
        int[] before = quiet.stream().mapToInt(TestHealthEndpoint::requests).toArray();
        await().pollDelay(5, TimeUnit.SECONDS).atMost(10, TimeUnit.SECONDS).until(() -> true);
        for (int i = 0; i < quiet.size(); i++) {
          // every 500 ms: 10 in 5 s, while the hostile pods hold up to 6 of the 8 threads for up to 2 s each
          assertThat(quiet.get(i).requests() - before[i]).as("scrapes of quiet-%d in 5 s", i)
              .isGreaterThanOrEqualTo(8);
        }
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + agent.adminPort() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
            .isEqualTo(200);
        WorkerHealth manyWorkers = client.resources(WorkerHealth.class).inNamespace("shop")
            .withName("case-8000-workers").get();
        assertThat(manyWorkers.getStatus().getWorkers()).hasSize(256);
        assertThat(manyWorkers.getStatus().getDroppedWorkers()).isEqualTo(8_000 - 256);
      } finally {
        agent.close();
      }
    } finally {
      quiet.forEach(TestHealthEndpoint::close);
      api.client().close();
    }
  }

  static void assertEndsAsExpected(String pod, HostileCases.Expected e, WorkerHealthStatus s) {
    assertThat(s).as(pod).isNotNull();
    if (e.fails()) {
      assertThat(s.getPhase()).as(pod + " " + s.getScrapeError()).isEqualTo(HealthPhase.Unreachable);
      if (e.reason() != null) {
        assertThat(s.getScrapeError().getReason().name()).as(pod + " " + s.getScrapeError()).isEqualTo(e.reason());
      }
    } else if (e.healthy()) {
      assertThat(s.getPhase()).as(pod + " " + s.getScrapeError()).isEqualTo(HealthPhase.Healthy);
    } else {
      assertThat(s.getPhase()).as(pod).isNotNull().isNotEqualTo(HealthPhase.Healthy);
    }
  }
}
