package io.workerhealth.conformance;

import static io.workerhealth.api.v1alpha1.WorkerStatus.Failed;
import static io.workerhealth.api.v1alpha1.WorkerStatus.Healthy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.conformance.spring.WorkerApp;
import io.workerhealth.sidecar.format.ParsedHealth;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Spring Boot 3.5 app (web, actuator, security) started in the test, its worker indicators flipped by the
 * test, scraped by the sidecar's own scrape path. Settings as users write them: probes on, a {@code workers} group
 * showing details, a group of everything, a group with {@code when-authorized}, a custom status {@code FATAL} ordered
 * first and mapped to 503 (which, as in Spring, replaces the default mapping: DOWN is then answered with 200), and the
 * default {@code show-details: never} at the root.
 */
class SpringBootActuatorIT {

  static ConfigurableApplicationContext app;
  static String base;

  @BeforeAll
  static void start() {
    app = WorkerApp.start("server.port=0", "server.address=127.0.0.1",
        "management.endpoint.health.probes.enabled=true",
        "management.endpoint.health.status.order=FATAL,DOWN,OUT_OF_SERVICE,UNKNOWN,UP",
        "management.endpoint.health.status.http-mapping.FATAL=503",
        "management.endpoint.health.group.workers.include=kafka,scheduler,mailer",
        "management.endpoint.health.group.workers.show-details=always",
        "management.endpoint.health.group.all.include=*",
        "management.endpoint.health.group.all.show-details=always",
        "management.endpoint.health.group.secured.include=*",
        "management.endpoint.health.group.secured.show-details=when-authorized");
    base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/actuator/health";
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @BeforeEach
  void allUp() {
    WorkerApp.HEALTH.clear();
    AvailabilityChangeEvent.publish(app, ReadinessState.ACCEPTING_TRAFFIC);
  }

  private static Map.Entry<String, String> keep(String name, String path) {
    Scrapes.keep(name, Scrapes.fetch(base + path));
    return Map.entry(name, path);
  }

  @Test
  void theDefaultRootBodyListsOnlyGroupsAndReportsTheAppsStatus() {
    keep("spring-root-groups.json", "");
    WorkerHealthStatus s = Scrapes.report(base);
    assertThat(s.getFormat()).isEqualTo(SourceFormat.SPRING);
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Healthy);
    assertThat(s.getWorkers()).singleElement().satisfies(w -> {
      assertThat(w.getName()).isEqualTo(ParsedHealth.OVERALL_WORKER);
      assertThat(w.getMessage()).contains("health groups:").contains("liveness").contains("readiness")
          .contains("workers");
    });
  }

  @Test
  void aWorkersGroupListsTheWorkersNestedComponentsJoinedWithSlash() {
    keep("spring-workers-up.json", "/workers");
    WorkerHealthStatus s = Scrapes.report(base + "/workers");
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Healthy);
    assertThat(s.getWorkers()).extracting(WorkerState::getName, WorkerState::getStatus).containsExactlyInAnyOrder(
        tuple("kafka/orders-consumer", Healthy), tuple("kafka/billing-consumer", Healthy), tuple("mailer", Healthy),
        tuple("scheduler", Healthy));
  }

  @Test
  void aDownSchedulerWhoseDetailsHoldASuccessfulRunIsFailed() {
    WorkerApp.HEALTH.put("scheduler", Health.down().withDetail("error", "job store unreachable")
        .withDetail("lastRun", Map.of("status", "SUCCESS", "at", "2026-01-01T00:00:00Z")).build());
    keep("spring-workers-scheduler-down.json", "/workers");
    WorkerHealthStatus s = Scrapes.report(base + "/workers");
    // a custom http-mapping replaces Spring's defaults: DOWN is answered with 200, and only the body says DOWN
    assertThat(s.getHttpStatus()).isEqualTo(200);
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(s.worker("scheduler")).get().satisfies(w -> {
      assertThat(w.getStatus()).isEqualTo(Failed);
      assertThat(w.getRawStatus()).isEqualTo("DOWN");
      assertThat(w.getMessage()).isEqualTo("job store unreachable");
    });
    assertThat(s.getWorkers()).extracting(WorkerState::getName).doesNotContain("scheduler/lastRun");
  }

  @Test
  void aDownConsumerInsideAComposite() {
    WorkerApp.HEALTH.put("kafka/orders-consumer", Health.down(new IllegalStateException("broker gone")).build());
    WorkerHealthStatus s = Scrapes.report(base + "/workers");
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(s.worker("kafka/orders-consumer")).get().satisfies(w -> {
      assertThat(w.getStatus()).isEqualTo(Failed);
      assertThat(w.getMessage()).contains("broker gone");
    });
    assertThat(s.getFailing()).isEqualTo("kafka/orders-consumer");
  }

  @Test
  void aCustomStatusOrderedFirstAndMappedTo503IsAFailure() {
    WorkerApp.HEALTH.put("mailer", Health.status(new Status("FATAL", "smtp credentials revoked")).build());
    keep("spring-workers-custom-status.json", "/workers");
    WorkerHealthStatus s = Scrapes.report(base + "/workers");
    assertThat(s.getHttpStatus()).isEqualTo(503);
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(s.worker("mailer")).get().satisfies(w -> {
      assertThat(w.getStatus()).isEqualTo(Failed);
      assertThat(w.getRawStatus()).isEqualTo("FATAL");
      assertThat(w.getMessage()).isEqualTo("smtp credentials revoked");
    });
  }

  @Test
  void springsOwnIndicatorsAreLeftOutAndAWarmUpIsNotAFailure() {
    AvailabilityChangeEvent.publish(app, ReadinessState.REFUSING_TRAFFIC);
    keep("spring-all-warming-up.json", "/all");
    WorkerHealthStatus s = Scrapes.report(base + "/all");
    assertThat(s.getHttpStatus()).isEqualTo(200); // OUT_OF_SERVICE, mapped to 200 by the custom http-mapping
    assertThat(s.getWorkers()).extracting(WorkerState::getName).containsExactlyInAnyOrder("kafka/orders-consumer",
        "kafka/billing-consumer", "mailer", "scheduler");
    assertThat(s.getPhase()).as("readinessState OUT_OF_SERVICE is Spring's, and left out").isEqualTo(HealthPhase.Healthy);
  }

  @Test
  void anExplicitOutOfServiceProbeWithoutComponentsIsFailed() {
    AvailabilityChangeEvent.publish(app, ReadinessState.REFUSING_TRAFFIC);
    keep("spring-readiness-out-of-service.json", "/readiness");
    WorkerHealthStatus s = Scrapes.report(base + "/readiness");
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(s.getWorkers()).extracting(WorkerState::getName, WorkerState::getStatus, WorkerState::getRawStatus)
        .containsExactly(tuple(ParsedHealth.OVERALL_WORKER, Failed, "OUT_OF_SERVICE"));
    assertThat(Scrapes.report(base + "/liveness").getPhase()).isEqualTo(HealthPhase.Healthy);
  }

  @Test
  void detailsHiddenByWhenAuthorizedAreReportedAsHiddenNotAsNoWorkers() {
    keep("spring-when-authorized-anonymous.json", "/secured");
    WorkerHealthStatus up = Scrapes.report(base + "/secured");
    assertThat(up.getPhase()).isEqualTo(HealthPhase.Healthy);
    assertThat(up.getWorkers()).singleElement().satisfies(w -> {
      assertThat(w.getName()).isEqualTo(ParsedHealth.OVERALL_WORKER);
      assertThat(w.getMessage()).contains("lists no components").contains("when-authorized without credentials");
    });
    WorkerApp.HEALTH.put("kafka/billing-consumer", Health.down().build());
    WorkerHealthStatus down = Scrapes.report(base + "/secured");
    assertThat(down.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(down.getWorkers()).extracting(WorkerState::getName, WorkerState::getStatus)
        .containsExactly(tuple(ParsedHealth.OVERALL_WORKER, Failed));
  }

  @Test
  void oneComponentsOwnPathIsItsStatusWithItsError() {
    WorkerApp.HEALTH.put("scheduler", Health.down().withDetail("error", "job store unreachable")
        .withDetail("lastRun", Map.of("status", "SUCCESS")).build());
    keep("spring-one-component-down.json", "/workers/scheduler");
    WorkerHealthStatus s = Scrapes.report(base + "/workers/scheduler");
    assertThat(s.getPhase()).isEqualTo(HealthPhase.Failed);
    assertThat(s.getWorkers()).singleElement().satisfies(w -> {
      assertThat(w.getName()).isEqualTo(ParsedHealth.OVERALL_WORKER);
      assertThat(w.getMessage()).contains("error: job store unreachable");
    });
  }
}
