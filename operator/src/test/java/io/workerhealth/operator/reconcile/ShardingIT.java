package io.workerhealth.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectRulesReviewStatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.Counter;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationRule;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicySpec;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.operator.OperatorSettings;
import io.workerhealth.operator.WorkerHealthOperator;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several operators side by side, each reconciling the shard of policies its label selector picks, each shard with
 * its own leader Lease: no policy is reconciled by two of them, and a policy no shard selects by none. (The mock
 * API server filters by equality only; set-based selectors are the API server's, see ShardSelectors.)
 */
@EnableKubernetesMockClient(crud = true)
class ShardingIT {

  static final String NS = "outpost";
  static final String OPS = "ops";

  KubernetesMockServer server;
  KubernetesClient client;
  final List<WorkerHealthOperator> operators = new ArrayList<>();

  @AfterEach
  void stop() {
    operators.forEach(WorkerHealthOperator::close);
  }

  /**
   * java-operator-sdk checks its Lease access with a SelfSubjectRulesReview before it elects; the mock server cannot
   * answer one, so it is answered here as kube-apiserver would for a role granting the Lease verbs.
   */
  void answerRulesReviews() {
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews").andReply(201, r -> {
      SelfSubjectRulesReview review = client.getKubernetesSerialization().unmarshal(r.getBody().readUtf8(),
          SelfSubjectRulesReview.class);
      review.setStatus(new SubjectRulesReviewStatusBuilder().withIncomplete(false).withResourceRules(
          new ResourceRule(List.of("coordination.k8s.io"), List.of(), List.of("leases"),
              List.of("get", "create", "update", "patch"))).withNonResourceRules(List.of()).build());
      return review;
    }).always();
  }

  WorkerHealthOperator shard(String selector) throws Exception {
    OperatorSettings env = OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", selector,
        "WH_LEADER_ELECTION", "true", "WH_LEASE_NAMESPACE", OPS));
    WorkerHealthOperator operator = new WorkerHealthOperator(client, new OperatorSettings(0, List.of(), true,
        env.leaseName(), OPS, null, env.shardSelector()), Clock.systemUTC(), WorkerHealthPolicyReconcilerIT.FAST);
    operators.add(operator);
    return operator.start();
  }

  void policy(String name, Map<String, String> labels) {
    WorkerHealthPolicySpec spec = new WorkerHealthPolicySpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", "outpost")));
    RemediationRule rule = new RemediationRule();
    rule.setName("restart-consumer");
    rule.setWorkers(List.of("*-consumer"));
    rule.setAction(RemediationAction.RestartPod);
    spec.setRules(new ArrayList<>(List.of(rule)));
    WorkerHealthPolicy p = new WorkerHealthPolicy();
    p.getMetadata().setName(name);
    p.getMetadata().setNamespace(NS);
    p.getMetadata().setLabels(new HashMap<>(labels));
    p.setSpec(spec);
    client.resource(p).create();
  }

  WorkerHealthPolicyStatus status(String name) {
    return client.resources(WorkerHealthPolicy.class).inNamespace(NS).withName(name).get().getStatus();
  }

  static boolean reconciled(WorkerHealthOperator operator, String policy) {
    return operator.metrics().registry().find("workerhealth.policy.pods").tag("policy", policy).gauge() != null;
  }

  static double reconciles(WorkerHealthOperator operator) {
    return operator.metrics().registry().find("operator.sdk.reconciliations.started").counters().stream()
        .mapToDouble(Counter::count).sum();
  }

  @Test
  void eachOperatorReconcilesItsShardOnly() throws Exception {
    WorkerHealth wh = PodFixtures.podWithHealth(client, NS, "outpost-a", "outpost-rs", Map.of("app", "outpost"));
    WorkerHealthStatus s = new WorkerHealthStatus();
    s.setPhase(HealthPhase.Healthy);
    s.setLastScrapeTime(Instant.now().toString());
    s.setLastSuccessfulScrapeTime(Instant.now().toString());
    s.setWorkers(new ArrayList<>(List.of(new WorkerState("deliverymq-consumer", WorkerStatus.Healthy, "ok", null,
        Instant.now().minusSeconds(600).toString()))));
    wh.setStatus(s);
    client.resource(wh).updateStatus();
    policy("in-a", Map.of("workerhealth.io/shard", "a"));
    policy("in-b", Map.of("workerhealth.io/shard", "b"));
    policy("in-none", Map.of());

    answerRulesReviews();
    WorkerHealthOperator a = shard("workerhealth.io/shard=a");
    WorkerHealthOperator b = shard("workerhealth.io/shard=b");
    await().atMost(60, TimeUnit.SECONDS).until(() -> status("in-a") != null && status("in-b") != null
        && Integer.valueOf(1).equals(status("in-a").getSelectedPods())
        && Integer.valueOf(1).equals(status("in-b").getSelectedPods()));
    // a few more rounds of both (resync every 2 s) before looking at what was left alone
    double aBefore = reconciles(a);
    double bBefore = reconciles(b);
    await().atMost(60, TimeUnit.SECONDS).until(() -> reconciles(a) >= aBefore + 2 && reconciles(b) >= bBefore + 2);

    assertThat(reconciled(a, "in-a")).isTrue();
    assertThat(reconciled(a, "in-b")).as("shard a reconciled a policy of shard b").isFalse();
    assertThat(reconciled(b, "in-b")).isTrue();
    assertThat(reconciled(b, "in-a")).as("shard b reconciled a policy of shard a").isFalse();
    assertThat(reconciled(a, "in-none") || reconciled(b, "in-none")).isFalse();
    WorkerHealthPolicyStatus untouched = status("in-none");
    assertThat(untouched == null ? null : untouched.getSelectedPods()).as("a policy no shard selects").isNull();
    assertThat(untouched == null ? List.of() : untouched.getConditions()).isEmpty();

    // each shard elected its own leader
    List<Lease> leases = client.leases().inNamespace(OPS).list().getItems();
    assertThat(leases).extracting(l -> l.getMetadata().getName()).containsExactlyInAnyOrder(
        OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", "workerhealth.io/shard=a")).leaseName(),
        OperatorSettings.fromEnv(Map.of("WH_SHARD_SELECTOR", "workerhealth.io/shard=b")).leaseName());
    assertThat(leases).allSatisfy(l -> assertThat(l.getSpec().getHolderIdentity()).isNotBlank());
  }
}
