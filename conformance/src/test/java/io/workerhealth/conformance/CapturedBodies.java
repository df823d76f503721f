package io.workerhealth.conformance;

import java.util.List;

/**
 * The real bodies under src/test/resources/captured/ (see the README there for how each was made), with what their
 * producer answered: HTTP status and content type.
 */
final class CapturedBodies {

  record Body(String file, String producer, int httpStatus, String contentType) {}

  private CapturedBodies() {}

  static final List<Body> ALL = List.of(
      new Body("outpost-v1.1.0-healthy.json", "hookdeck/outpost v1.1.0", 200, "application/json; charset=utf-8"),
      new Body("outpost-v1.1.0-rabbitmq-down.json", "hookdeck/outpost v1.1.0, RabbitMQ stopped", 503,
          "application/json; charset=utf-8"),
      new Body("outpost-v1.1.0-rabbitmq-back-consumers-still-failed.json",
          "hookdeck/outpost v1.1.0, RabbitMQ back", 503, "application/json; charset=utf-8"),
      new Body("outpost-v1.1.0-after-restart.json", "hookdeck/outpost v1.1.0, restarted", 200,
          "application/json; charset=utf-8"),
      new Body("spring-root-groups.json", "Spring Boot 3.5.7 `/actuator/health`, show-details never", 200,
          "application/vnd.spring-boot.actuator.v3+json"),
      new Body("spring-workers-up.json", "Spring Boot 3.5.7 group `workers`", 200,
          "application/vnd.spring-boot.actuator.v3+json"),
      new Body("spring-workers-scheduler-down.json", "Spring Boot 3.5.7 group `workers`, scheduler DOWN", 200,
          "application/vnd.spring-boot.actuator.v3+json"),
      new Body("spring-workers-custom-status.json", "Spring Boot 3.5.7 group `workers`, custom status FATAL", 503,
          "application/vnd.spring-boot.actuator.v3+json"),
      new Body("spring-all-warming-up.json", "Spring Boot 3.5.7 group of all indicators, warming up", 200,
          "application/vnd.spring-boot.actuator.v3+json"),
      new Body("spring-readiness-out-of-service.json", "Spring Boot 3.5.7 `/actuator/health/readiness`, warming up",
          200, "application/vnd.spring-boot.actuator.v3+json"),
      new Body("spring-when-authorized-anonymous.json", "Spring Boot 3.5.7 group with when-authorized, no login",
          200, "application/vnd.spring-boot.actuator.v3+json"),
      new Body("spring-one-component-down.json", "Spring Boot 3.5.7 one component's path, DOWN", 200,
          "application/vnd.spring-boot.actuator.v3+json"),
      new Body("microprofile-smallrye-up.json", "SmallRye Health 4.2.0", 200, "application/json"),
      new Body("microprofile-smallrye-down.json", "SmallRye Health 4.2.0, a check DOWN", 503, "application/json"),
      new Body("k8s-v1.36.3-livez-ok.txt", "kube-apiserver v1.36.3 `/livez?verbose`", 200,
          "text/plain; charset=utf-8"),
      new Body("k8s-v1.36.3-readyz-ok.txt", "kube-apiserver v1.36.3 `/readyz?verbose`", 200,
          "text/plain; charset=utf-8"),
      new Body("k8s-v1.36.3-readyz-etcd-down.txt", "kube-apiserver v1.36.3 `/readyz?verbose`, etcd stopped", 500,
          "text/plain; charset=utf-8"),
      new Body("ietf-draft-06-example.json", "IETF draft-inadarei-api-health-check-06, section 5 (copied)", 200,
          "application/health+json"),
      new Body("aspnet-uihealthreport-unhealthy.json", "ASP.NET Core HealthChecks UI `UIResponseWriter` (model)",
          503, "application/json"));
}
