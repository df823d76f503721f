package io.workerhealth.conformance;

import static io.workerhealth.api.v1alpha1.WorkerStatus.Failed;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Healthy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.sun.net.httpserver.HttpServer;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.health.api.HealthType;
import io.smallrye.health.registry.HealthRegistries;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import jakarta.enterprise.event.Event;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SmallRye Health, the MicroProfile Health implementation of Quarkus, WildFly and Open Liberty, producing the body:
 * checks registered as an app registers them, its reporter writing the JSON, answered as MicroProfile Health says
 * (503 when any check is DOWN) at the paths those servers use.
 */
class SmallRyeHealthIT {

  static HttpServer server;
  static SmallRyeHealthReporter reporter;
  static final AtomicReference<HealthCheckResponse> orders = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    HealthRegistries.getRegistry(HealthType.LIVENESS).register("ping", () -> HealthCheckResponse.up("ping"));
    HealthRegistries.getRegistry(HealthType.READINESS).register("orders-consumer", orders::get);
    HealthRegistries.getRegistry(HealthType.READINESS).register("scheduler",
        () -> HealthCheckResponse.named("scheduler").up().withData("jobs", 3).build());
    reporter = new SmallRyeHealthReporter();
    // Outside a CDI container nobody injects the status-change events the reporter fires: give it ones that go nowhere
    Object noEvents = Proxy.newProxyInstance(SmallRyeHealthIT.class.getClassLoader(), new Class<?>[] {Event.class},
        (proxy, method, args) -> method.getName().equals("select") ? proxy : null);
    for (String field : new String[] {"healthEvent", "livenessEvent", "readinessEvent", "wellnessEvent",
        "startupEvent"}) {
      Field f = SmallRyeHealthReporter.class.getDeclaredField(field);
      f.setAccessible(true);
      f.set(reporter, noEvents);
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    serve("/q/health", reporter::getHealth);
    serve("/q/health/ready", reporter::getReadiness);
    serve("/q/health/live", reporter::getLiveness);
    server.start();
  }

  private static void serve(String path, Supplier<SmallRyeHealth> health) {
    server.createContext(path, ex -> {
      try (ex) {
        SmallRyeHealth h = health.get();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        reporter.reportHealth(body, h);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(h.isDown() ? 503 : 200, body.size());
        try (OutputStream out = ex.getResponseBody()) {
          body.writeTo(out);
        }
      }
    });
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @BeforeEach
  void allUp() {
    orders.set(HealthCheckResponse.up("orders-consumer"));
  }

  static String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Test
  void everyCheckIsAWorker() {
    Scrapes.keep("microprofile-smallrye-up.json", Scrapes.fetch(url("/q/health")));
    WorkerHealthStatus s = Scrapes.report(url("/q/health"));
    assertThat(s.getFormat()).isEqualTo(SourceFormat.MICROPROFILE);
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Healthy);
    assertThat(s.getWorkers()).extracting(WorkerState::getName).containsExactlyInAnyOrder("ping", "orders-consumer",
        "scheduler");
  }

  @Test
  void aDownCheckWithAnErrorInItsDataIsFailedWithThatMessage() {
    orders.set(HealthCheckResponse.named("orders-consumer").down().withData("error", "broker unreachable").build());
    Scrapes.keep("microprofile-smallrye-down.json", Scrapes.fetch(url("/q/health")));
    WorkerHealthStatus s = Scrapes.report(url("/q/health"));
    assertThat(s.getHttpStatus()).isEqualTo(503);
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(s.getWorkers()).extracting(WorkerState::getName, WorkerState::getStatus, WorkerState::getMessage)
        .contains(tuple("orders-consumer", Failed, "broker unreachable"), tuple("scheduler", Healthy, null));
    WorkerHealthStatus live = Scrapes.report(url("/q/health/live"));
    assertThat(live.getPhase()).isEqualTo(HealthPhase.Healthy);
    assertThat(live.getWorkers()).extracting(WorkerState::getName).containsExactly("ping");
  }
}
