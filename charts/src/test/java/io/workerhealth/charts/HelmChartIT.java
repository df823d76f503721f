package io.workerhealth.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chart, linted and rendered by real helm, for the default values and with every optional part on. */
class HelmChartIT {

  static final Path CHART = Path.of(System.getProperty("chart.dir", "worker-health-operator"));
  static final Path ALL_ON = Path.of("src/test/resources/values-all-on.yaml");
  static final Path ROOT = Path.of(System.getProperty("project.root", ".."));

  static Helm helm;
  static RenderedChart defaults;
  static RenderedChart allOn;

  @BeforeAll
  static void render() throws Exception {
    helm = Helm.locate();
    defaults = RenderedChart.parse(template());
    allOn = RenderedChart.parse(template("-f", ALL_ON.toString()));
  }

  static String template(String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("template", "who", CHART.toString(), "--namespace", "ops",
        "--include-crds"));
    args.addAll(List.of(extra));
    Helm.Result r = helm.run(args.toArray(String[]::new));
    assertThat(r.exitCode()).as("helm template %s failed: %s", args, r.stderr()).isZero();
    return r.stdout();
  }

  @Test
  void lintsCleanWithDefaultsAndWithEverythingOn() throws Exception {
    for (List<String> args : List.of(List.of("lint", "--strict", CHART.toString()),
        List.of("lint", "--strict", CHART.toString(), "-f", ALL_ON.toString()))) {
      Helm.Result r = helm.run(args.toArray(String[]::new));
      assertThat(r.exitCode()).as("%s: %s%s", args, r.stdout(), r.stderr()).isZero();
    }
  }

  @Test
  void wrongValuesFailAtInstallTimeWithTheSchemaMessage() throws Exception {
    Helm.Result r = helm.run("template", "who", CHART.toString(), "--set", "operator.replicas=0");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("operator.replicas");
    r = helm.run("template", "who", CHART.toString(), "--set", "operator.watchNamespaces[0]=Not_A_Namespace");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("watchNamespaces");
    r = helm.run("template", "who", CHART.toString(), "--set", "operatr.replicas=2");
    assertThat(r.exitCode()).as("a misspelt key is an error, not silently ignored").isNotZero();
  }

  @Test
  void rendersTheCrdsTheTypesGenerate() throws IOException {
    List<HasMetadata> crds = defaults.objects().stream()
        .filter(o -> o.getKind().equals("CustomResourceDefinition")).toList();
    List<String> generated;
    try (Stream<Path> files = Files.list(ROOT.resolve("crds/generated"))) {
      generated = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("-v1.yml")).sorted().toList();
    }
    assertThat(crds).extracting(c -> c.getMetadata().getName() + "-v1.yml")
        .containsExactlyInAnyOrderElementsOf(generated);
    for (String name : generated) {
      assertThat(CHART.resolve("crds").resolve(name))
          .as("chart copy of %s (refresh with ./mvnw -pl crds test -Dcrds.update=true)", name)
          .hasSameTextualContentAs(ROOT.resolve("crds/generated").resolve(name));
    }
  }

  @Test
  void operatorRunsHardenedWithProbesOnItsOwnEndpoints() {
    Deployment d = defaults.one(Deployment.class);
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container c = pod.getContainers().get(0);
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("JAVA_TOOL_OPTIONS");
      assertThat(e.getValue()).contains("MaxRAMPercentage");
    });
    assertThat(defaults.all(PodDisruptionBudget.class)).as("no PDB for a single replica").isEmpty();
    assertThat(allOn.one(PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(allOn.one(Deployment.class).getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void rbacHasNoWildcards() {
    for (RenderedChart chart : List.of(defaults, allOn)) {
      Stream.concat(chart.all(ClusterRole.class).flatMap(r -> r.getRules().stream()),
              chart.all(Role.class).flatMap(r -> r.getRules().stream()))
          .forEach(HelmChartIT::assertNoWildcard);
    }
  }

  @Test
  void namespacedInstallGrantsOnlyInTheListedNamespaces() {
    // the release namespace holds the Leases: the operator's leader election, the agents' node Leases
    List<Role> roles = allOn.all(Role.class).filter(r -> !r.getMetadata().getNamespace().equals("ops")).toList();
    assertThat(roles).extracting(r -> r.getMetadata().getNamespace()).containsExactlyInAnyOrder("outpost", "payments");
    assertThat(allOn.all(ClusterRoleBinding.class)).extracting(b -> b.getRoleRef().getName())
        .as("cluster-wide, only the webhook configurations' caBundle").containsExactly(
            "who-worker-health-operator-webhook");
    assertThat(allOn.all(ClusterRole.class)).extracting(r -> r.getMetadata().getName())
        .as("ClusterRoles only to be bound in namespaces, and the webhook configurations' caBundle")
        .containsExactlyInAnyOrder("worker-health-sidecar", "who-worker-health-operator-agent",
            "who-worker-health-operator-agent-secrets", "who-worker-health-operator-webhook");
    assertThat(allOn.all(RoleBinding.class).filter(b -> b.getRoleRef().getKind().equals("ClusterRole")))
        .extracting(b -> b.getMetadata().getNamespace() + "/" + b.getRoleRef().getName() + "/"
            + b.getSubjects().get(0).getName())
        .containsExactlyInAnyOrder("outpost/worker-health-sidecar/outpost-delivery",
            "payments/worker-health-sidecar/payments-worker",
            "outpost/who-worker-health-operator-agent/who-worker-health-operator-agent",
            "payments/who-worker-health-operator-agent/who-worker-health-operator-agent",
            "outpost/who-worker-health-operator-agent-secrets/who-worker-health-operator-agent");
  }

  @Test
  void inAgentModeTheNodeAgentRunsOnEveryNodeHardenedAsTheSidecarImagesSecondCommand() throws IOException {
    assertThat(defaults.all(DaemonSet.class)).as("sidecar mode is the default: no agent").isEmpty();
    assertThat(defaults.ofKind("ValidatingAdmissionPolicy")).extracting(p -> p.getMetadata().getName())
        .containsExactly("who-worker-health-operator-own-pod-only");
    DaemonSet ds = allOn.one(DaemonSet.class);
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge().getIntVal())
        .as("one agent per node at a time").isZero();
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("who-worker-health-operator-agent");
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    List<String> dockerfile = Files.readAllLines(ROOT.resolve("sidecar/Dockerfile")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    long user = pod.getSecurityContext().getRunAsUser();
    assertThat(dockerfile).contains("USER " + user + ":" + user);
    Container c = pod.getContainers().get(0);
    assertThat(c.getImage()).startsWith("ghcr.io/workerhealth/sidecar:");
    assertThat(c.getArgs()).containsExactly("agent");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    java.util.Map<String, io.fabric8.kubernetes.api.model.EnvVar> env = new java.util.HashMap<>();
    c.getEnv().forEach(e -> env.put(e.getName(), e));
    assertThat(env.get("NODE_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
    assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    assertThat(env.get("WH_INTERVAL").getValue()).as("agent.defaults.interval").isEqualTo("10s");
    assertThat(env.get("WH_PORT").getValue()).as("agent.defaults.port").isEqualTo("9000");
    assertThat(env.get("WH_WATCH_NAMESPACES").getValue()).isEqualTo("outpost,payments");
    assertThat(env.get("JAVA_TOOL_OPTIONS").getValue()).contains("-Xmx64m").contains("-XX:+ExitOnOutOfMemoryError");

    var policies = allOn.ofKind("ValidatingAdmissionPolicy").toList();
    assertThat(policies).extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("who-worker-health-operator-own-pod-only", "who-worker-health-operator-agent-own-node");
    List<String> expressions = new ArrayList<>();
    policies.forEach(p -> collectExpressions(p.getAdditionalProperties(), expressions));
    assertThat(String.join("\n", expressions)).contains("request.userInfo.username != 'system:serviceaccount:ops:who-worker-health-operator-agent'")
        .contains("request.userInfo.extra['authentication.kubernetes.io/node-name'][0]")
        .contains("object.spec.reporter.nodeName == variables.node")
        .contains("oldObject.spec.reporter.nodeName == variables.node")
        .contains("object.metadata.name == 'workerhealth-agent-' + variables.node");
    assertThat(io.workerhealth.api.v1alpha1.ApiGroup.agentLeaseName("n")).isEqualTo("workerhealth-agent-n");
  }

  @Test
  void monitoringObjectsAreBehindTheirFlags() {
    for (String kind : List.of("ServiceMonitor", "PodMonitor", "PrometheusRule")) {
      assertThat(defaults.ofKind(kind)).as("%s off by default", kind).isEmpty();
      assertThat(allOn.ofKind(kind)).as("%s on with its flag (two PodMonitors in agent mode)", kind)
          .hasSize(kind.equals("PodMonitor") ? 2 : 1);
    }
    GenericKubernetesResource podMonitor = allOn.ofKind("PodMonitor").findFirst().orElseThrow();
    assertThat(podMonitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
  }

  @Test
  void dashboardsAreConfigMapsGrafanasSidecarPicksUp() throws Exception {
    List<ConfigMap> dashboards = allOn.all(ConfigMap.class)
        .filter(c -> "1".equals(c.getMetadata().getLabels().get("grafana_dashboard"))).toList();
    assertThat(dashboards).isNotEmpty();
    assertThat(dashboards).allSatisfy(c -> assertThat(c.getMetadata().getNamespace()).isEqualTo("monitoring"));
    ObjectMapper json = new ObjectMapper();
    for (ConfigMap c : dashboards) {
      for (String body : c.getData().values()) {
        JsonNode dash = json.readTree(body);
        assertThat(dash.path("uid").asText()).isNotBlank();
        assertThat(dash.path("panels")).allSatisfy(p -> {
          if (!p.path("type").asText().equals("row")) {
            assertThat(p.path("targets")).as("panel %s", p.path("title")).isNotEmpty();
          }
        });
      }
    }
    RenderedChart customLabel = RenderedChart.parse(template("--set", "dashboards.label=my_dashboards",
        "--set", "dashboards.labelValue=yes"));
    assertThat(customLabel.all(ConfigMap.class))
        .anySatisfy(c -> assertThat(c.getMetadata().getLabels()).containsEntry("my_dashboards", "yes"));
  }

  /** What a platform team watches: each has a panel (title, and a query on the metric that tells it). */
  @Test
  void theDashboardAndTheAlertsCoverWhatAPlatformTeamWatches() throws Exception {
    List<String[]> required = List.of(
        new String[] {"pods by state per policy", "by (namespace, policy, state) (workerhealth_policy_pods"},
        new String[] {"timeline", "workerhealth_sidecar_worker_status"},
        new String[] {"failing workers now", "workerhealth_sidecar_worker_status{"},
        new String[] {"remediations by action and outcome", "by (action, outcome) (increase(workerhealth_remediations_total"},
        new String[] {"suppressed", "workerhealth_remediations_suppressed_total"},
        new String[] {"failure to action latency", "workerhealth_failure_to_action_seconds_bucket"},
        new String[] {"remediation effectiveness",
            "increase(workerhealth_remediation_verifications_total{namespace=~\"$namespace\", policy=~\"$policy\", result=\"Recovered\"}"},
        new String[] {"needing attention", "workerhealth_needs_attention"},
        new String[] {"escalations", "workerhealth_escalations_total"},
        new String[] {"scrape errors", "workerhealth_sidecar_scrape_errors_total"},
        new String[] {"scrape latency", "workerhealth_sidecar_scrape_duration_seconds_bucket"},
        new String[] {"failing workers now", "workerhealth_agent_worker_status{"},
        new String[] {"timeline", "workerhealth_agent_worker_status"},
        new String[] {"pods per agent by state", "by (node, state) (workerhealth_agent_pods)"},
        new String[] {"agent scrape latency", "workerhealth_agent_scrape_duration_seconds_bucket"},
        new String[] {"agent scrape errors", "workerhealth_agent_scrape_errors_total"},
        new String[] {"lease renewals", "workerhealth_agent_lease_renewals_total"},
        new String[] {"agent writes", "workerhealth_agent_report_writes_total"},
        new String[] {"last lease renewal", "workerhealth_agent_lease_last_renewal_timestamp_seconds"},
        new String[] {"skipped", "workerhealth_agent_scrapes_skipped_total"},
        new String[] {"reconciliations", "operator_sdk_reconciliations_started_total"},
        new String[] {"reconcile errors", "workerhealth_reconcile_errors_total"});
    JsonNode dashboard = new ObjectMapper().readTree(CHART.resolve("dashboards/worker-health-overview.json").toFile());
    List<PromQl.PanelQuery> queries = PromQl.panelQueries(dashboard);
    // the Namespace and Policy variables narrow every panel on the operator's per-policy series
    assertThat(dashboard.path("templating").path("list").findValuesAsText("name")).contains("namespace", "policy");
    assertThat(queries).allSatisfy(q -> {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(workerhealth_(?!sidecar_|agent_)\\w+)\\{([^}]*)}")
          .matcher(q.expr());
      while (m.find()) {
        assertThat(m.group(2)).as("%s in panel '%s'", m.group(1), q.panel())
            .contains("namespace=~\"$namespace\"").contains("policy=~\"$policy\"");
      }
    });
    for (String[] r : required) {
      assertThat(queries).as("a panel '%s' querying %s", r[0], r[1]).anySatisfy(q -> {
        assertThat(q.panel()).containsIgnoringCase(r[0]);
        assertThat(q.expr()).contains(r[1]);
      });
    }
    assertThat(MonitoringProofIT.alerts(allOn).keySet()).containsExactlyInAnyOrder("WorkerFailed",
        "WorkerRemediationSuppressed", "WorkerRestartRateHigh", "WorkerRemediationNotHelping",
        "WorkerRemediationNeedsAttention", "WorkerHealthReportStale", "WorkerHealthAgentLeaseNotRenewed",
        "WorkerHealthOperatorDown", "WorkerHealthSidecarNotInjected");
  }

  @Test
  void theImagesTheChartRunsAreTheOnesTheDockerfilesDescribe() throws IOException {
    var deployment = defaults.all(io.fabric8.kubernetes.api.model.apps.Deployment.class).findFirst().orElseThrow();
    var pod = deployment.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    List<String> dockerfile = Files.readAllLines(ROOT.resolve("operator/Dockerfile")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    long user = pod.getSecurityContext().getRunAsUser();
    assertThat(dockerfile).contains("USER " + user + ":" + user);
    List<String> exposed = dockerfile.stream().filter(l -> l.startsWith("EXPOSE "))
        .flatMap(l -> java.util.Arrays.stream(l.substring("EXPOSE ".length()).trim().split("\\s+"))).toList();
    assertThat(exposed).as("the image exposes every port the chart's operator container names")
        .containsExactlyInAnyOrderElementsOf(container.getPorts().stream()
            .map(p -> String.valueOf(p.getContainerPort())).toList());
    // the jar the operator build writes (its shade configuration) is the one the image copies
    String pom = Files.readString(ROOT.resolve("operator/pom.xml"));
    assertThat(pom).contains("<outputFile>${project.build.directory}/worker-health-operator.jar</outputFile>");
    assertThat(dockerfile).contains("COPY target/worker-health-operator.jar /app/worker-health-operator.jar");
    assertThat(dockerfile).contains("CMD [\"run\"]");
    assertThat(container.getArgs()).containsExactly("run");
    assertThat(container.getImage()).startsWith("ghcr.io/workerhealth/operator:");
  }

  @Test
  void theSidecarClusterRoleIsTheOneTheExamplesBindTo() throws IOException {
    ClusterRole chart = defaults.all(ClusterRole.class)
        .filter(r -> r.getMetadata().getName().equals("worker-health-sidecar")).findFirst().orElseThrow();
    RenderedChart examples = RenderedChart.parse(Files.readString(ROOT.resolve("examples/manifests/sidecar-rbac.yaml")));
    ClusterRole example = examples.one(ClusterRole.class);
    assertThat(example.getRules()).isEqualTo(chart.getRules());
  }

  @Test
  void theInjectionWebhookNeverBlocksPodsItWasNotAskedAboutAndCanGrantOnlyTheSidecarRole() {
    GenericKubernetesResource config = defaults.ofKind("MutatingWebhookConfiguration").findFirst().orElseThrow();
    JsonNode webhook = new ObjectMapper().valueToTree(config.getAdditionalProperties()).path("webhooks").get(0);
    assertThat(webhook.path("failurePolicy").asText()).isEqualTo("Ignore");
    assertThat(webhook.path("timeoutSeconds").asInt()).isBetween(1, 5);
    assertThat(webhook.path("sideEffects").asText()).isEqualTo("None");
    assertThat(webhook.path("objectSelector").path("matchLabels").path("workerhealth.io/inject").asText())
        .isEqualTo("true");
    assertThat(webhook.path("namespaceSelector").path("matchExpressions").toString())
        .contains("\"workerhealth.io/inject\"").contains("disabled").contains("kube-system");
    assertThat(webhook.path("clientConfig").has("caBundle")).as("kept by the operator, not by helm").isFalse();
    assertThat(webhook.path("clientConfig").path("service").path("name").asText())
        .isEqualTo("who-worker-health-operator-webhook");
    Container operator = defaults.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(operator.getPorts()).anySatisfy(p -> assertThat(p.getName()).isEqualTo("webhook"));
    // workloads: only those whose pod template carries the label are sent (matchConditions), never blocked on outage
    JsonNode templates = new ObjectMapper().valueToTree(defaults.ofKind("ValidatingWebhookConfiguration")
        .findFirst().orElseThrow().getAdditionalProperties()).path("webhooks").get(0);
    assertThat(templates.path("failurePolicy").asText()).isEqualTo("Ignore");
    assertThat(templates.path("clientConfig").path("service").path("path").asText()).isEqualTo("/validate");
    assertThat(templates.path("clientConfig").has("caBundle")).isFalse();
    assertThat(templates.path("matchConditions").get(0).path("expression").asText())
        .contains("object.spec.template.metadata.labels['workerhealth.io/inject'] == 'true'")
        .contains("object.spec.jobTemplate.spec.template.metadata.labels['workerhealth.io/inject'] == 'true'");

    // binding: the sidecar ClusterRole by name, nothing else; no escalate anywhere
    ClusterRole role = defaults.all(ClusterRole.class)
        .filter(r -> r.getMetadata().getName().equals("who-worker-health-operator")).findFirst().orElseThrow();
    assertThat(role.getRules()).filteredOn(r -> r.getVerbs().contains("bind")).singleElement().satisfies(r -> {
      assertThat(r.getResources()).containsExactly("clusterroles");
      assertThat(r.getResourceNames()).containsExactly("worker-health-sidecar");
    });
    Stream.concat(defaults.all(ClusterRole.class), allOn.all(ClusterRole.class)).flatMap(r -> r.getRules().stream())
        .forEach(r -> assertThat(r.getVerbs()).doesNotContain("escalate", "impersonate"));
    // the Secret: created, then read and replaced by name only
    Role secrets = defaults.all(Role.class).filter(r -> r.getMetadata().getName().endsWith("-webhook")).findFirst()
        .orElseThrow();
    assertThat(secrets.getRules()).filteredOn(r -> r.getVerbs().contains("update"))
        .allSatisfy(r -> assertThat(r.getResourceNames()).containsExactly("who-worker-health-operator-webhook-tls"));

    RenderedChart off = RenderedChart.parse(uncheckedTemplate("--set", "injection.enabled=false"));
    assertThat(off.ofKind("MutatingWebhookConfiguration")).isEmpty();
    assertThat(off.ofKind("ValidatingWebhookConfiguration")).isEmpty();
    assertThat(off.all(ClusterRole.class).flatMap(r -> r.getRules().stream()))
        .noneMatch(r -> r.getVerbs().contains("bind"));
  }

  @Test
  void certManagerCanIssueTheWebhooksCertificateInstead() {
    RenderedChart chart = RenderedChart.parse(uncheckedTemplate("--set",
        "injection.webhook.certificate.source=certManager"));
    GenericKubernetesResource config = chart.ofKind("MutatingWebhookConfiguration").findFirst().orElseThrow();
    assertThat(config.getMetadata().getAnnotations())
        .containsEntry("cert-manager.io/inject-ca-from", "ops/who-worker-health-operator-webhook");
    assertThat(chart.ofKind("ValidatingWebhookConfiguration").findFirst().orElseThrow().getMetadata()
        .getAnnotations()).containsEntry("cert-manager.io/inject-ca-from", "ops/who-worker-health-operator-webhook");
    assertThat(chart.ofKind("Certificate")).singleElement().satisfies(c -> assertThat(c.getAdditionalProperties()
        .get("spec").toString()).contains("secretName=who-worker-health-operator-webhook-tls")
        .contains("who-worker-health-operator-webhook.ops.svc"));
    assertThat(chart.all(Role.class).flatMap(r -> r.getRules().stream()).filter(r -> r.getResources().contains("secrets")))
        .singleElement().satisfies(r -> assertThat(r.getVerbs()).containsExactly("get"));
    assertThat(chart.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> {
          assertThat(e.getName()).isEqualTo("WH_WEBHOOK_CERTIFICATE");
          assertThat(e.getValue()).isEqualTo("external");
        });
  }

  /** What NOTES.txt and the README tell users to write is what the webhook reads. */
  @Test
  void theNotesAndTheReadmeNameOnlyAnnotationsTheWebhookOrTheNodeAgentKnows() throws IOException {
    java.util.Set<String> known = new java.util.HashSet<>(List.of("inject", "sidecar", "exclude"));
    io.workerhealth.operator.injection.SidecarSetting.ALL.forEach(x -> known.add(x.key()));
    known.addAll(io.workerhealth.sidecar.agent.PodSettings.knownKeys());
    for (Path file : List.of(CHART.resolve("templates/NOTES.txt"), CHART.resolve("README.md"))) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("workerhealth\\.io/([a-z][a-z-]*)")
          .matcher(Files.readString(file));
      int found = 0;
      while (m.find()) {
        found++;
        assertThat(known).as("workerhealth.io/%s in %s", m.group(1), file).contains(m.group(1));
      }
      assertThat(found).as("annotations shown in %s", file).isGreaterThan(2);
    }
    // the README's list of annotation keys
    String readme = Files.readString(CHART.resolve("README.md"));
    for (String key : List.of("url", "port", "path", "format", "interval", "timeout", "heartbeat")) {
      assertThat(io.workerhealth.operator.injection.SidecarSetting.byKey(key)).as(key).isPresent();
      assertThat(readme).contains("`" + key + "`");
    }
  }

  static String uncheckedTemplate(String... extra) {
    try {
      return template(extra);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyValueIsDocumentedInTheChartReadme() throws IOException {
    String readme = Files.readString(CHART.resolve("README.md"));
    java.util.Map<String, Object> values = new org.yaml.snakeyaml.Yaml().load(Files.readString(CHART.resolve("values.yaml")));
    List<String> keys = new ArrayList<>();
    collectKeys("", values, keys);
    assertThat(keys).isNotEmpty().allSatisfy(k -> assertThat(readme).as("values key %s in README.md", k)
        .contains("`" + k + "`"));
  }

  /** Every CEL expression in an admission policy, as the API server reads it. */
  private static void collectExpressions(Object node, List<String> out) {
    if (node instanceof java.util.Map<?, ?> m) {
      m.forEach((k, v) -> {
        if (("expression".equals(k) || "messageExpression".equals(k)) && v instanceof String s) {
          out.add(s);
        } else {
          collectExpressions(v, out);
        }
      });
    } else if (node instanceof List<?> l) {
      l.forEach(v -> collectExpressions(v, out));
    }
  }

  @SuppressWarnings("unchecked")
  private static void collectKeys(String prefix, java.util.Map<String, Object> map, List<String> out) {
    for (var e : map.entrySet()) {
      String key = prefix + e.getKey();
      // documented as a whole: maps whose entries are free-form (labels, resources, selectors)
      boolean freeForm = List.of("resources", "selector", "defaults").contains(e.getKey());
      if (e.getValue() instanceof java.util.Map<?, ?> m && !m.isEmpty() && !freeForm) {
        collectKeys(key + ".", (java.util.Map<String, Object>) m, out);
      } else {
        out.add(key);
      }
    }
  }

  private static void assertNoWildcard(PolicyRule rule) {
    assertThat(rule.getVerbs()).doesNotContain("*");
    assertThat(rule.getResources()).doesNotContain("*");
    assertThat(rule.getApiGroups()).doesNotContain("*");
    assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
  }
}
