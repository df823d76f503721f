package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.workerhealth.demo.controlplane.ControlPlaneBinaries;
import io.workerhealth.demo.controlplane.LocalControlPlane;
import io.workerhealth.operator.validation.PolicyValidator;
import io.workerhealth.operator.validation.Yaml;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API server's answers to bad WorkerHealthPolicies: the schema refuses the selectors and rate limits the
 * operator cannot act on, and the offline validator the {@code plan} command uses gives, for every policy of a
 * table, exactly the field errors kube-apiserver gives.
 */
class PolicyValidationE2E {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String NAMESPACE = "validation";
  private static final String POLICIES = "/apis/workerhealth.io/v1alpha1/namespaces/" + NAMESPACE
      + "/workerhealthpolicies";

  /** A valid policy; each case below changes its spec. */
  static final String VALID_SPEC = """
      selector: {matchLabels: {app: shop}}
      rules:
      - name: restart-consumer
        workers: ["*-consumer"]
        for: 30s
        action: RestartPod
      """;

  /** Bad policies (spec in YAML) by name, and the valid ones the API server accepts. */
  static final Map<String, String> CASES = new LinkedHashMap<>();

  static {
    CASES.put("expression-without-operator", """
        selector: {matchExpressions: [{key: app}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("unknown-operator", """
        selector: {matchExpressions: [{key: app, operator: Bogus, values: [shop]}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("lower-case-operator", """
        selector: {matchExpressions: [{key: app, operator: in, values: [shop]}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("in-without-values", """
        selector: {matchExpressions: [{key: app, operator: In}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("notin-with-empty-values", """
        selector: {matchExpressions: [{key: app, operator: NotIn, values: []}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("exists-with-values", """
        selector: {matchExpressions: [{key: app, operator: Exists, values: [shop]}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("expression-without-key", """
        selector: {matchExpressions: [{operator: Exists}]}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("label-without-value", """
        selector: {matchLabels: {app: null}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("rate-per-zero", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10, per: 0s}
        """);
    CASES.put("rate-per-one-millisecond", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10, per: 1ms}
        """);
    CASES.put("rate-per-59s", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10, per: 59s}
        """);
    CASES.put("rate-without-per", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10}
        """);
    CASES.put("rate-per-not-a-duration", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 10, per: soon}
        """);
    CASES.put("rule-name-upper-case", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: Restart_Consumer, workers: [a], action: RestartPod}]
        """);
    CASES.put("rule-name-too-long", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: %s, workers: [a], action: RestartPod}]
        """.formatted("r".repeat(64)));
    CASES.put("duplicate-rule-names", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}, {name: r, workers: [b], action: RestartPod}]
        """);
    CASES.put("max-concurrent-zero", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        maxConcurrent: 0
        """);
    CASES.put("max-concurrent-too-large", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        maxConcurrent: 1001
        """);
    CASES.put("max-concurrent-a-string", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        maxConcurrent: "two"
        """);
    CASES.put("when-empty", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], when: [], action: RestartPod}]
        """);
    CASES.put("when-unknown-state", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], when: [Broken], action: RestartPod}]
        """);
    CASES.put("action-and-escalation", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod, escalation: [{action: RestartPod}, {action: None}]}]
        """);
    CASES.put("none-before-last-step", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], escalation: [{action: None}, {action: RestartPod}]}]
        """);
    CASES.put("scale-without-scale", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: ScaleTarget}]
        """);
    CASES.put("max-replicas-below-min-healthy", """
        selector: {matchLabels: {app: shop}}
        rules:
        - name: r
          workers: [a]
          action: ScaleTarget
          scale: {targetRef: {apiVersion: apps/v1, kind: Deployment, name: shop}, minHealthy: 5, maxReplicas: 4}
        """);
    CASES.put("max-unhealthy-over-100-percent", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        maxUnhealthy: 150%
        """);
    CASES.put("cooldown-not-a-duration", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: RestartPod}]
        cooldown: five minutes
        """);
    CASES.put("no-rules", """
        selector: {matchLabels: {app: shop}}
        rules: []
        """);
    CASES.put("no-selector", """
        rules: [{name: r, workers: [a], action: RestartPod}]
        """);
    CASES.put("unknown-action", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [a], action: Reboot}]
        """);
    CASES.put("empty-workers", """
        selector: {matchLabels: {app: shop}}
        rules: [{name: r, workers: [], action: RestartPod}]
        """);
    CASES.put("null-rule", """
        selector: {matchLabels: {app: shop}}
        rules: [null]
        """);
    // accepted
    CASES.put("valid", VALID_SPEC);
    CASES.put("valid-expressions", """
        selector:
          matchExpressions:
          - {key: app, operator: In, values: [shop]}
          - {key: tier, operator: NotIn, values: [batch]}
          - {key: canary, operator: DoesNotExist}
          - {key: team, operator: Exists, values: []}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 3, per: 60s}
        """);
    CASES.put("valid-empty-selector", """
        selector: {}
        rules: [{name: r, workers: [a], action: RestartPod}]
        rateLimit: {max: 3, per: 60000ms}
        """);
  }

  private static LocalControlPlane controlPlane;
  private static KubernetesClient client;

  @BeforeAll
  static void startControlPlaneAndInstallCrds() throws Exception {
    controlPlane = LocalControlPlane.start(ControlPlaneBinaries.locate(),
        Path.of("target", "control-plane-validation"));
    client = controlPlane.adminClient();
    List<Path> files;
    try (Stream<Path> listing = Files.list(Path.of(System.getProperty("wh.e2e.crdDir", "../crds/generated")))) {
      files = listing.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
    }
    List<String> crds = new ArrayList<>();
    for (Path file : files) {
      try (InputStream in = Files.newInputStream(file)) {
        for (HasMetadata applied : client.load(in).serverSideApply()) {
          if (applied instanceof CustomResourceDefinition crd) {
            crds.add(crd.getMetadata().getName());
          }
        }
      }
    }
    for (String name : crds) {
      await().atMost(TIMEOUT).until(() -> client.apiextensions().v1().customResourceDefinitions().withName(name)
          .get().getStatus().getConditions().stream()
          .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True")));
    }
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .create();
    // a new CRD's resource can take a moment to be served
    await().atMost(TIMEOUT).until(() -> create("probe", VALID_SPEC).code() == 201);
  }

  @AfterAll
  static void stopControlPlane() {
    if (client != null) {
      client.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void theOfflineValidatorAgreesWithTheApiServerOnEveryCase() throws Exception {
    PolicyValidator validator = PolicyValidator.load();
    List<String> report = new ArrayList<>();
    for (Map.Entry<String, String> c : CASES.entrySet()) {
      String manifest = manifest(c.getKey(), c.getValue());
      HttpResponse<String> response = create(c.getKey(), c.getValue());
      TreeSet<String> server = new TreeSet<>(fieldErrors(response));
      TreeSet<String> offline = new TreeSet<>(validator.apiServerErrors(Yaml.tree(manifest)));
      System.out.printf("E2E validation %s: HTTP %d%n  server:  %s%n  offline: %s%n", c.getKey(), response.code(),
          server, offline);
      if (!server.equals(offline)) {
        report.add(c.getKey() + ": server " + server + " but offline " + offline);
      }
      if (c.getKey().startsWith("valid")) {
        assertThat(response.code()).as(c.getKey() + ": " + response.body()).isEqualTo(201);
      } else {
        assertThat(response.code()).as(c.getKey() + ": " + response.body()).isEqualTo(422);
      }
    }
    assertThat(report).as("cases where the offline validator and the API server disagree").isEmpty();
  }

  @Test
  void selectorsTheOperatorCannotActOnAreRefusedWithMessagesPeopleCanAct() throws Exception {
    assertThat(fieldErrors(create("s1", CASES.get("expression-without-operator"))))
        .contains("spec.selector.matchExpressions[0].operator: Required value");
    assertThat(fieldErrors(create("s2", CASES.get("unknown-operator")))).contains(
        "spec.selector.matchExpressions[0].operator: Unsupported value: \"Bogus\": supported values: "
            + "\"DoesNotExist\", \"Exists\", \"In\", \"NotIn\"");
    assertThat(fieldErrors(create("s3", CASES.get("in-without-values")))).contains(
        "spec.selector.matchExpressions[0]: Invalid value: values must be given for the operators In and NotIn, "
            + "and left out for Exists and DoesNotExist");
    assertThat(String.join("\n", fieldErrors(create("s4", CASES.get("label-without-value")))))
        .contains("spec.selector: Invalid value: matchLabels must name at least one label");
    assertThat(String.join("\n", fieldErrors(create("s5", CASES.get("rate-per-zero")))))
        .contains("spec.rateLimit: Invalid value: rateLimit.per must be at least 1m");
    assertThat(String.join("\n", fieldErrors(create("s6", CASES.get("rate-per-one-millisecond")))))
        .contains("rateLimit.per must be at least 1m");
  }

  static String manifest(String name, String spec) {
    return "apiVersion: workerhealth.io/v1alpha1\nkind: WorkerHealthPolicy\nmetadata:\n  name: " + name
        + "\n  namespace: " + NAMESPACE + "\nspec:\n" + spec.indent(2);
  }

  /** POSTs the policy as JSON, nulls kept (as kubectl sends what a file says). */
  static HttpResponse<String> create(String name, String spec) throws Exception {
    JsonNode body = Yaml.tree(manifest(name, spec));
    HttpRequest request = client.getHttpClient().newHttpRequestBuilder()
        .uri(controlPlane.serverUrl() + POLICIES)
        .post("application/json", new ObjectMapper().writeValueAsString(body))
        .build();
    HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class)
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (response.code() == 201) {
      client.getHttpClient().sendAsync(client.getHttpClient().newHttpRequestBuilder()
          .uri(controlPlane.serverUrl() + POLICIES + "/" + name).delete("application/json", "{}").build(),
          String.class).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    return response;
  }

  /** The field errors of a 422 answer, each as kube-apiserver prints it ({@code field: message}). */
  static List<String> fieldErrors(HttpResponse<String> response) throws Exception {
    List<String> errors = new ArrayList<>();
    if (response.code() != 422) {
      return errors;
    }
    JsonNode status = new ObjectMapper().readTree(response.body());
    for (JsonNode cause : status.path("details").path("causes")) {
      errors.add(cause.path("field").asText() + ": " + cause.path("message").asText());
    }
    return errors;
  }
}
