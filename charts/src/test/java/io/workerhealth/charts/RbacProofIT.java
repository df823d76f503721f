package io.workerhealth.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RBAC proof: the operator and the sidecars run through a failure and a remediation, and consumers falling short
 * and their Deployment and StatefulSet being scaled, and a node agent reports two pods of its node (one with
 * credentials from a Secret), against the mock API server,
 * which records every request. Each request, read as RBAC attributes ({@link ApiAccess}), must be allowed by what
 * the chart as rendered by real helm grants the component's ServiceAccount ({@link RenderedRbac}); and each verb on
 * each resource the chart grants must have been needed by at least one request. Run for the cluster-wide install
 * and for the install with Roles in listed namespaces.
 */
@EnableKubernetesMockClient(crud = true)
class RbacProofIT {

  static final String RELEASE_NAMESPACE = "ops";
  static final String OPERATOR_SA = "who-worker-health-operator";
  static final String SIDECAR_SA = "outpost-workers";
  static final String AGENT_SA = "who-worker-health-operator-agent";
  /**
   * Requests outside the resource API that every authenticated client may make: kube-apiserver's default
   * system:discovery and system:public-info-viewer ClusterRoles allow GET on these.
   */
  static final Pattern DEFAULT_NON_RESOURCE = Pattern.compile("/api|/api/.*|/apis|/apis/.*|/version|/version/");
  /**
   * What every authenticated client may do by kube-apiserver's default system:basic-user ClusterRole: ask what it
   * is allowed (java-operator-sdk checks its Lease access this way).
   */
  static final Set<String> DEFAULT_RESOURCE = Set.of("create authorization.k8s.io/selfsubjectrulesreviews",
      "create authorization.k8s.io/selfsubjectaccessreviews");

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir
  Path dir;
  ProofFleet fleet;

  @AfterEach
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  @Test
  void clusterWideInstallGrantsExactlyWhatTheOperatorAndSidecarsUse() throws Exception {
    prove(List.of());
  }

  @Test
  void namespacedInstallGrantsExactlyWhatTheOperatorAndSidecarsUse() throws Exception {
    prove(List.of(ProofFleet.NS));
  }

  void prove(List<String> watchNamespaces) throws Exception {
    List<String> args = new ArrayList<>(List.of("template", "who", HelmChartIT.CHART.toString(),
        "--namespace", RELEASE_NAMESPACE,
        "--set", "sidecar.bindings[0].namespace=" + ProofFleet.NS,
        "--set", "sidecar.bindings[0].serviceAccount=" + SIDECAR_SA,
        "--set", "mode=agent", "--set", "agent.secretNamespaces[0]=" + ProofFleet.NS));
    for (int i = 0; i < watchNamespaces.size(); i++) {
      args.addAll(List.of("--set", "operator.watchNamespaces[" + i + "]=" + watchNamespaces.get(i)));
    }
    Helm.Result rendered = Helm.locate().run(args.toArray(String[]::new));
    assertThat(rendered.exitCode()).as("helm %s: %s", args, rendered.stderr()).isZero();
    RenderedChart chart = RenderedChart.parse(rendered.stdout());
    RenderedRbac operatorRbac = RenderedRbac.forServiceAccount(chart, OPERATOR_SA, RELEASE_NAMESPACE);
    RenderedRbac sidecarRbac = RenderedRbac.forServiceAccount(chart, SIDECAR_SA, ProofFleet.NS);
    RenderedRbac agentRbac = RenderedRbac.forServiceAccount(chart, AGENT_SA, RELEASE_NAMESPACE);
    assertThat(operatorRbac.permissions()).as("the operator's ServiceAccount is bound").isNotEmpty();
    assertThat(sidecarRbac.permissions()).as("the sidecars' ServiceAccount is bound").isNotEmpty();
    assertThat(agentRbac.permissions()).as("the node agent's ServiceAccount is bound").isNotEmpty();
    if (!watchNamespaces.isEmpty()) {
      // but the caBundle of the chart's own webhook configuration, which is cluster-scoped
      assertThat(operatorRbac.permissions()).as("a namespaced install grants nothing else cluster-wide")
          .allSatisfy(p -> assertThat(p.namespace() != null
              || (p.resource().equals("mutatingwebhookconfigurations")
                  && p.resourceNames().equals(List.of("who-worker-health-operator-sidecar-injector")))
              || (p.resource().equals("validatingwebhookconfigurations")
                  && p.resourceNames().equals(List.of("who-worker-health-operator-sidecar-templates")))).isTrue());
      assertThat(agentRbac.permissions()).as("nothing cluster-wide to the node agent")
          .allSatisfy(p -> assertThat(p.namespace()).isNotNull());
    }

    fleet = new ProofFleet(server, client).withInjection(chart).start(HelmChartIT.CHART, operatorRbac, watchNamespaces, RELEASE_NAMESPACE, dir);
    fleet.workerFailsAndIsRemediated();
    fleet.consumersFallShortAndTheTargetsScale();
    fleet.agentReportsItsNodesPods(RELEASE_NAMESPACE, watchNamespaces);
    fleet.renewWebhookCertificate();
    fleet.close();

    List<ApiAccess> operatorCalls = new ArrayList<>();
    List<ApiAccess> sidecarCalls = new ArrayList<>();
    List<ApiAccess> agentCalls = new ArrayList<>();
    List<RecordedRequest> recorded = fleet.requests(); // taken from the server's queue: once
    for (RecordedRequest r : recorded) {
      String agent = String.valueOf(r.getHeader("User-Agent"));
      ApiAccess access = ApiAccess.of(r.getMethod(), r.getPath());
      if (agent.startsWith(ProofFleet.OPERATOR_AGENT)) {
        operatorCalls.add(access);
      } else if (agent.startsWith(ProofFleet.SIDECAR_AGENT)) {
        sidecarCalls.add(access);
      } else if (agent.startsWith(ProofFleet.NODE_AGENT)) {
        agentCalls.add(access);
      }
    }
    assertThat(operatorCalls).as("requests recorded from the operator")
        .anySatisfy(a -> assertThat(a.resource()).isEqualTo("pods/eviction"))
        .anySatisfy(a -> assertThat(a.resource()).isEqualTo("leases"))
        .anySatisfy(a -> assertThat(a.toString()).startsWith("update apps/deployments/scale"))
        .anySatisfy(a -> assertThat(a.toString()).startsWith("update apps/statefulsets/scale"));
    assertThat(sidecarCalls).as("requests recorded from the sidecars")
        .anySatisfy(a -> assertThat(a.resource()).isEqualTo("workerhealths/status"));
    assertThat(agentCalls).as("requests recorded from the node agent")
        .anySatisfy(a -> assertThat(a.toString()).startsWith("watch core/pods"))
        .anySatisfy(a -> assertThat(a.resource()).isEqualTo("workerhealths/status"))
        .anySatisfy(a -> assertThat(a.toString()).startsWith("update coordination.k8s.io/leases"));

    // java-operator-sdk checks its Lease access before electing (LeaderElectionManager.checkLeaseAccess): its
    // SelfSubjectRulesReview must show get, create and update on leases, although renewals patch. That check
    // needs 'update'; it counts as used only because the check was made.
    assertThat(operatorCalls).as("the operator checked its Lease access")
        .anySatisfy(a -> assertThat(a.resource()).isEqualTo("selfsubjectrulesreviews"));
    List<ApiAccess> operatorNeeds = new ArrayList<>(operatorCalls);
    for (String verb : List.of("get", "create", "update")) {
      operatorNeeds.add(new ApiAccess(verb, "coordination.k8s.io", "leases", RELEASE_NAMESPACE, null, null));
    }
    // A RoleBinding to a ClusterRole is created only by who may 'bind' that ClusterRole (or holds all it grants):
    // kube-apiserver's escalation check, made before the object is stored or found to exist, which the mock does not
    // make. Every binding the operator stored refers to the sidecar role; each create it sent needs 'bind' on it.
    List<io.fabric8.kubernetes.api.model.rbac.RoleBinding> made = client.rbac().roleBindings().inAnyNamespace()
        .withLabel("app.kubernetes.io/managed-by", "worker-health-operator").list().getItems();
    assertThat(made).as("RoleBindings the operator made").isNotEmpty()
        .allSatisfy(b -> assertThat(b.getRoleRef().getName()).isEqualTo("worker-health-sidecar"));
    for (RecordedRequest r : recorded) {
      if (String.valueOf(r.getHeader("User-Agent")).startsWith(ProofFleet.OPERATOR_AGENT)
          && r.getMethod().equals("POST") && r.getPath().contains("/rolebindings")) {
        operatorNeeds.add(new ApiAccess("bind", "rbac.authorization.k8s.io", "clusterroles",
            ApiAccess.of(r.getMethod(), r.getPath()).namespace(), "worker-health-sidecar", null));
      }
    }
    assertThat(operatorCalls).as("the operator bound the sidecar role for the injected pods and kept its webhook")
        .anySatisfy(a -> assertThat(a.toString()).startsWith("create rbac.authorization.k8s.io/rolebindings"))
        .anySatisfy(a -> assertThat(a.toString()).startsWith("update core/secrets"))
        .anySatisfy(a -> assertThat(a.toString()).startsWith("patch admissionregistration.k8s.io/mutatingwebhookconfigurations"))
        .anySatisfy(a -> assertThat(a.toString())
            .startsWith("patch admissionregistration.k8s.io/validatingwebhookconfigurations"));
    // A repeated Event raises the count of the one written before (a PATCH, proven by EventRecorderIT); this run
    // may repeat none, so the need is added as the Lease check's is.
    operatorNeeds.add(new ApiAccess("patch", "", "events", ProofFleet.NS, null, null));
    // The operator reads its policies from the informer; java-operator-sdk GETs one again when adding or removing
    // its finalizer meets a conflict, which this run may not provoke.
    operatorNeeds.add(new ApiAccess("get", "workerhealth.io", "workerhealthpolicies", ProofFleet.NS, null, null));
    assertEveryCallAllowedAndEveryGrantUsed("operator", operatorRbac, operatorNeeds);
    assertEveryCallAllowedAndEveryGrantUsed("sidecar", sidecarRbac, sidecarCalls);
    assertEveryCallAllowedAndEveryGrantUsed("agent", agentRbac, agentCalls);
  }

  static void assertEveryCallAllowedAndEveryGrantUsed(String who, RenderedRbac rbac, List<ApiAccess> calls) {
    Set<ApiAccess> distinct = new LinkedHashSet<>();
    for (ApiAccess a : calls) {
      distinct.add(new ApiAccess(a.verb(), a.apiGroup(), a.resource(), a.namespace(), null, a.nonResource()));
    }
    List<String> denied = new ArrayList<>();
    for (ApiAccess a : calls) {
      boolean allowed = a.nonResource() != null
          ? a.verb().equals("get") && DEFAULT_NON_RESOURCE.matcher(a.nonResource()).matches()
          : rbac.allows(a) || DEFAULT_RESOURCE.contains(a.verb() + " " + a.apiGroup() + "/" + a.resource());
      if (!allowed) {
        denied.add(a.toString());
      }
    }
    assertThat(denied).as("%s requests the rendered chart does not allow; it made: %s; the chart grants: %s",
        who, distinct, rbac.permissions()).isEmpty();
    assertThat(rbac.unused(calls)).as("%s permissions in the rendered chart no request needed; requests: %s",
        who, distinct).isEmpty();
    for (PolicyRule rule : rbac.rules()) {
      assertThat(rule.getVerbs()).doesNotContain("*");
      assertThat(rule.getResources()).doesNotContain("*");
      assertThat(rule.getApiGroups()).doesNotContain("*");
      assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
    }
  }
}
