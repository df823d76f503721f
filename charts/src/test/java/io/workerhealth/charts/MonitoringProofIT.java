package io.workerhealth.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dashboard and alert proof with a real Prometheus. The operator and three sidecars run ({@link ProofFleet}) through
 * an API error during a reconcile, scrape time-outs, a failed worker and its remediation, consumers falling short and
 * their Deployment and StatefulSet being scaled (one scale-up verified Recovered, one NotRecovered and escalated to a
 * human), and an outage that suppresses remediation, while Prometheus scrapes their /metrics every second, configured the way the chart's
 * ServiceMonitor and PodMonitor (as rendered by helm) make prometheus-operator configure it, and evaluates the
 * chart's rendered rules. Then:
 * <ul>
 *   <li>{@code promtool check rules} passes on the rendered rules, and Prometheus evaluates each without error;</li>
 *   <li>every PromQL expression of every dashboard panel ({@code targets[].expr}, Grafana variables substituted as
 *       a user selecting the namespace would, the rate interval covering the whole run) is accepted by
 *       /api/v1/query and returns at least one finite value; every dashboard variable query finds values;</li>
 *   <li>every alert expression is accepted and returns data, except the alerts whose condition is false in a healthy
 *       run ({@link #FALSE_IN_SCENARIO}): for those the expression must return nothing (so the list stays true),
 *       and the expression under the condition (left of the threshold comparison, inside absent()) must return data;
 *       the operator-down alert is also made to fire by stopping the operator. Prometheus' own alert state must
 *       show exactly the other alerts pending or firing;</li>
 *   <li>every metric name the dashboards and rules use is in the operator's or the sidecars' actual /metrics.</li>
 * </ul>
 * Skipped only when no {@code prometheus} binary is on the PATH ({@code scripts/install-tools.sh --prometheus}).
 */
@EnableKubernetesMockClient(crud = true)
class MonitoringProofIT {

  static final String RELEASE_NAMESPACE = "ops";
  static final String OPERATOR_SA = "who-worker-health-operator";
  /** The Grafana variables' values: one namespace selected, a rate window covering the whole run. */
  /** Grafana's variables: one namespace, every policy (the policy variable's "All"). */
  static final Map<String, String> GRAFANA = Map.of("namespace", ProofFleet.NS, "policy", ".*",
      "__rate_interval", "5m", "__interval", "5m", "__range", "5m");
  /** Series Prometheus makes for every target; no component exposes them. */
  static final Set<String> SYNTHETIC = Set.of("up");
  /**
   * Alerts whose condition is false in this run, and why. No alert may be missing from both this list and the
   * alerts the run makes true: an alert added to the rules fails the test until it is handled one way or the other.
   */
  static final Map<String, String> FALSE_IN_SCENARIO = Map.of(
      "WorkerRestartRateHigh", "one restart in the run, the threshold is restartsPerHour (10): the restart count "
          + "left of the threshold is queried",
      "WorkerHealthReportStale", "every sidecar scraped its app a moment ago: the report age left of the threshold "
          + "is queried",
      "WorkerRemediationNotHelping", "one action did not help in the run (the StatefulSet's scale-up), the rule's "
          + "maxNotRecovered is 3: the NotRecovered count over that limit, left of the threshold, is queried",
      "WorkerRemediationSuppressed", "the run's outage lasts seconds, the threshold is outageHeldFor (10m): how "
          + "long each policy has held, left of the threshold, is queried",
      "WorkerHealthOperatorDown", "the operator is up: the up series inside absent() is queried; then the operator "
          + "is stopped and the alert's own expression must return data");

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir
  Path dir;
  ProofFleet fleet;
  Prometheus prometheus;

  @AfterEach
  void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void everyDashboardQueryAndAlertWorksOnTheMetricsTheCodeExposes() throws Exception {
    Optional<Path> binary = Prometheus.onPath("prometheus");
    Assumptions.assumeTrue(binary.isPresent(), "no prometheus binary on the PATH: install Debian's prometheus "
        + "package with 'bash scripts/install-tools.sh --prometheus' to run the dashboard and alert proof");
    Path promtool = Prometheus.onPath("promtool").orElseThrow(() -> new AssertionError(
        "prometheus is on the PATH but promtool is not (both come with Debian's prometheus package)"));

    RenderedChart chart = render();
    Path rules = dir.resolve("rules.yaml");
    Files.writeString(rules, new KubernetesSerialization().asYaml(
        chart.ofKind("PrometheusRule").findFirst().orElseThrow().getAdditionalProperties().get("spec")));
    Helm.Result check = run(promtool.toString(), "check", "rules", rules.toString());
    assertThat(check.exitCode()).as("promtool check rules on the rendered rules:\n%s%s", check.stdout(),
        check.stderr()).isZero();
    assertThat(check.stdout()).contains("SUCCESS");

    fleet = new ProofFleet(server, client).start(HelmChartIT.CHART,
        RenderedRbac.forServiceAccount(chart, OPERATOR_SA, RELEASE_NAMESPACE), List.of(), RELEASE_NAMESPACE, dir);
    String operatorJob = chart.all(Service.class).map(s -> s.getMetadata().getName())
        .filter(n -> n.endsWith("-metrics")).findFirst().orElseThrow();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, new KubernetesSerialization().asYaml(prometheusConfig(chart, operatorJob, rules)));
    prometheus = Prometheus.start(binary.get(), config, dir);
    await().atMost(30, TimeUnit.SECONDS).until(() -> {
      JsonNode targets = prometheus.api("/api/v1/targets").path("data").path("activeTargets");
      int up = 0;
      for (JsonNode t : targets) {
        up += t.path("health").asText().equals("up") ? 1 : 0;
      }
      return up == 1 + fleet.members().size();
    });
    // the policy's counters, at zero, are in Prometheus before anything happens
    awaitData("workerhealth_remediations_suppressed_total{reason=\"TooManyUnhealthy\"} == 0");

    fleet.reconcileFailsOnce();
    fleet.scrapesTimeOut();
    fleet.workerFailsAndIsRemediated();
    fleet.consumersFallShortAndTheTargetsScale();
    fleet.outageSuppressesRemediation();
    awaitData("workerhealth_remediations_suppressed_total{reason=\"TooManyUnhealthy\"} >= 2");
    awaitData("workerhealth_remediations_total{outcome=\"Succeeded\"} >= 1");
    awaitData("workerhealth_reconcile_errors_total >= 1");
    awaitData("workerhealth_remediation_verifications_total{result=\"Recovered\", action=\"ScaleTarget\"} >= 1");
    awaitData("workerhealth_remediation_verifications_total{result=\"NotRecovered\", action=\"ScaleTarget\"} >= 1");
    awaitData("workerhealth_escalations_total{action=\"None\"} >= 1");
    awaitData("workerhealth_needs_attention >= 1");

    String exposed = get("http://127.0.0.1:" + fleet.operator().adminPort() + "/metrics");
    for (ProofFleet.Member m : fleet.members().values()) {
      exposed += get("http://127.0.0.1:" + m.sidecar().adminPort() + "/metrics");
    }

    // kept for whoever edits the dashboards: what the components really expose
    Path report = Path.of("target", "monitoring-proof");
    Files.createDirectories(report);
    Files.writeString(report.resolve("exposed-metrics.txt"), exposed);

    List<String> problems = new ArrayList<>();
    Set<String> usedMetrics = new TreeSet<>();

    // dashboards, as rendered into the ConfigMaps Grafana's sidecar loads
    List<ConfigMap> dashboards = chart.all(ConfigMap.class)
        .filter(c -> c.getMetadata().getLabels().containsKey("grafana_dashboard")).toList();
    assertThat(dashboards).isNotEmpty();
    int panelQueries = 0;
    for (ConfigMap c : dashboards) {
      for (String body : c.getData().values()) {
        JsonNode dashboard = new ObjectMapper().readTree(body);
        for (JsonNode variable : dashboard.path("templating").path("list")) {
          if (variable.path("type").asText().equals("query")) {
            String q = variable.path("query").isTextual() ? variable.path("query").asText()
                : variable.path("query").path("query").asText();
            checkVariable(variable.path("name").asText(), PromQl.substitute(q, GRAFANA), problems, usedMetrics);
          }
        }
        for (PromQl.PanelQuery pq : PromQl.panelQueries(dashboard)) {
          panelQueries++;
          String expr = PromQl.substitute(pq.expr(), GRAFANA);
          usedMetrics.addAll(PromQl.metricNames(expr));
          expectData("panel '" + pq.panel() + "'", expr, problems);
        }
      }
    }
    assertThat(panelQueries).isGreaterThan(5);

    // alert rules, as rendered into the PrometheusRule
    Map<String, String> alerts = alerts(chart);
    Set<String> expectedActive = new TreeSet<>();
    for (var alert : alerts.entrySet()) {
      String name = alert.getKey();
      String expr = alert.getValue();
      usedMetrics.addAll(PromQl.metricNames(expr));
      if (FALSE_IN_SCENARIO.containsKey(name)) {
        JsonNode answer = prometheus.query(expr);
        if (!answer.path("status").asText().equals("success")) {
          problems.add("alert " + name + ": " + answer.path("error").asText() + "\n    " + expr);
        } else if (!answer.path("data").path("result").isEmpty()) {
          problems.add("alert " + name + " is true in this run; take it off FALSE_IN_SCENARIO");
        }
        expectData("alert " + name + " (under its condition)", underCondition(expr), problems);
      } else {
        expectActive(name, expr, problems);
        expectedActive.add(name);
      }
    }
    assertThat(FALSE_IN_SCENARIO.keySet()).as("alerts listed as false that the rules no longer have")
        .isSubsetOf(alerts.keySet());

    // metric names: the dashboards and rules may only use what the code exposes
    for (String metric : usedMetrics) {
      if (!SYNTHETIC.contains(metric) && !PromQl.exposes(exposed, metric)) {
        problems.add("metric " + metric + " is used by the dashboards or rules but no component exposes it");
      }
    }
    assertThat(usedMetrics).as("metric names found in the dashboards and rules")
        .contains("workerhealth_sidecar_worker_status", "workerhealth_remediations_total");

    assertThat(problems).as("dashboard and alert problems").isEmpty();
    // seconds after the outage ended: the pods recovering a moment apart did not look like too few healthy consumers
    assertThat(fleet.deploymentScaleWrites()).as("the Deployment's replicas: scaled up once, then back down")
        .containsExactly(3, 2);

    // Prometheus' own evaluation of the rules: no errors, and exactly the alerts true in the run are active
    await().atMost(15, TimeUnit.SECONDS).untilAsserted(() -> {
      Set<String> active = new TreeSet<>();
      for (JsonNode a : prometheus.api("/api/v1/alerts").path("data").path("alerts")) {
        active.add(a.path("labels").path("alertname").asText());
      }
      assertThat(active).as("alerts pending or firing in Prometheus").isEqualTo(expectedActive);
    });
    for (JsonNode group : prometheus.api("/api/v1/rules").path("data").path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        assertThat(rule.path("health").asText()).as("Prometheus' evaluation of rule %s: %s",
            rule.path("name").asText(), rule.path("lastError").asText()).isEqualTo("ok");
      }
    }


    // the operator going away fires its alert
    String operatorDown = alerts.get("WorkerHealthOperatorDown");
    assertThat(operatorDown).contains(operatorJob);
    fleet.stopOperator();
    awaitData(operatorDown);
  }

  RenderedChart render() throws Exception {
    Helm.Result r = Helm.locate().run("template", "who", HelmChartIT.CHART.toString(), "--namespace",
        RELEASE_NAMESPACE, "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.podMonitor.enabled=true",
        "--set", "prometheusRule.enabled=true");
    assertThat(r.exitCode()).as("helm template: %s", r.stderr()).isZero();
    return RenderedChart.parse(r.stdout());
  }

  /**
   * Scrape jobs as prometheus-operator derives them from the rendered ServiceMonitor (job named after the
   * Service, the target's namespace/pod/service labels, honorLabels, path) and PodMonitor (job
   * "namespace/name", namespace/pod/container labels), with static loopback targets and a 1s interval.
   */
  Map<String, Object> prometheusConfig(RenderedChart chart, String operatorJob, Path rules) {
    Map<String, Object> serviceMonitor = endpoint(chart, "ServiceMonitor", "endpoints");
    GenericKubernetesResource podMonitorObject = chart.ofKind("PodMonitor").findFirst().orElseThrow();
    Map<String, Object> podMonitor = endpoint(chart, "PodMonitor", "podMetricsEndpoints");
    Map<String, Object> operatorJobConfig = new LinkedHashMap<>();
    operatorJobConfig.put("job_name", operatorJob);
    operatorJobConfig.put("honor_labels", Boolean.TRUE.equals(serviceMonitor.get("honorLabels")));
    operatorJobConfig.put("metrics_path", serviceMonitor.getOrDefault("path", "/metrics"));
    operatorJobConfig.put("static_configs", List.of(Map.of(
        "targets", List.of("127.0.0.1:" + fleet.operator().adminPort()),
        "labels", Map.of("namespace", RELEASE_NAMESPACE, "service", operatorJob, "pod", OPERATOR_SA + "-6d4b9-x2x7q",
            "container", "operator", "endpoint", String.valueOf(serviceMonitor.get("port"))))));
    List<Map<String, Object>> sidecars = new ArrayList<>();
    for (ProofFleet.Member m : fleet.members().values()) {
      sidecars.add(Map.of("targets", List.of("127.0.0.1:" + m.sidecar().adminPort()),
          "labels", Map.of("namespace", ProofFleet.NS, "pod", m.pod(), "container", "worker-health-sidecar",
              "endpoint", String.valueOf(podMonitor.get("port")))));
    }
    Map<String, Object> sidecarJob = new LinkedHashMap<>();
    sidecarJob.put("job_name", RELEASE_NAMESPACE + "/" + podMonitorObject.getMetadata().getName());
    sidecarJob.put("honor_labels", Boolean.TRUE.equals(podMonitor.get("honorLabels")));
    sidecarJob.put("metrics_path", podMonitor.getOrDefault("path", "/metrics"));
    sidecarJob.put("static_configs", sidecars);
    return Map.of(
        "global", Map.of("scrape_interval", "1s", "scrape_timeout", "1s", "evaluation_interval", "1s"),
        "rule_files", List.of(rules.toString()),
        "scrape_configs", List.of(operatorJobConfig, sidecarJob));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> endpoint(RenderedChart chart, String kind, String field) {
    GenericKubernetesResource monitor = chart.ofKind(kind).findFirst().orElseThrow();
    Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
    List<Map<String, Object>> endpoints = (List<Map<String, Object>>) spec.get(field);
    assertThat(endpoints).as("%s endpoints", kind).hasSize(1);
    return endpoints.get(0);
  }

  /** Alert name to expression, from the rendered PrometheusRule. */
  @SuppressWarnings("unchecked")
  static Map<String, String> alerts(RenderedChart chart) {
    Map<String, Object> spec = (Map<String, Object>) chart.ofKind("PrometheusRule").findFirst().orElseThrow()
        .getAdditionalProperties().get("spec");
    Map<String, String> alerts = new LinkedHashMap<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) spec.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        assertThat(rule).as("only alerting rules are expected").containsKey("alert");
        alerts.put((String) rule.get("alert"), String.valueOf(rule.get("expr")).strip());
      }
    }
    return alerts;
  }

  private static final Pattern THRESHOLD = Pattern.compile("(?s)(.*\\S)\\s*(>=|<=|==|!=|>|<)\\s*[0-9.]+");
  private static final Pattern ABSENT = Pattern.compile("(?s)absent\\((.*)\\)");

  /**
   * The expression under an alert's condition: left of a final comparison with a number (comparisons bind less
   * tightly than arithmetic, and these expressions have no and/or/unless), or inside absent().
   */
  static String underCondition(String expr) {
    Matcher absent = ABSENT.matcher(expr);
    if (absent.matches()) {
      return absent.group(1);
    }
    Matcher threshold = THRESHOLD.matcher(expr);
    if (threshold.matches() && !expr.matches("(?s).*\\b(and|or|unless)\\b.*")) {
      return threshold.group(1);
    }
    throw new AssertionError("cannot tell the condition of: " + expr);
  }

  void expectData(String what, String expr, List<String> problems) throws Exception {
    JsonNode answer = prometheus.query(expr);
    if (!answer.path("status").asText().equals("success")) {
      problems.add(what + ": Prometheus rejects it: " + answer.path("error").asText() + "\n    " + expr);
    } else if (answer.path("data").path("result").isEmpty()) {
      problems.add(what + ": no data\n    " + expr);
    } else if (Prometheus.finiteValues(answer).isEmpty()) {
      problems.add(what + ": only NaN/Inf values: " + answer.path("data") + "\n    " + expr);
    }
  }

  void expectActive(String alert, String expr, List<String> problems) throws Exception {
    expectData("alert " + alert, expr, problems);
  }

  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((?:(.*),\\s*)?([A-Za-z_]+)\\)");

  void checkVariable(String name, String query, List<String> problems, Set<String> usedMetrics) throws Exception {
    Matcher m = LABEL_VALUES.matcher(query.strip());
    if (!m.matches()) {
      problems.add("variable " + name + ": only label_values(...) queries are checked, found: " + query);
      return;
    }
    String path = "/api/v1/label/" + m.group(2) + "/values";
    if (m.group(1) != null) {
      usedMetrics.addAll(PromQl.metricNames(m.group(1)));
      path += "?match[]=" + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8);
    }
    JsonNode answer = prometheus.api(path);
    if (!answer.path("status").asText().equals("success") || answer.path("data").isEmpty()) {
      problems.add("variable " + name + ": no values for " + query + ": " + answer);
    }
  }

  void awaitData(String expr) {
    await().atMost(30, TimeUnit.SECONDS).pollInterval(200, TimeUnit.MILLISECONDS)
        .until(() -> !prometheus.query(expr).path("data").path("result").isEmpty());
  }

  static String get(String url) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
    return r.body();
  }

  static Helm.Result run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Helm.Result(p.exitValue(), out, err);
  }

}
