package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.operator.planning.DependencyObservation;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.PolicyObservation;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.ReportTimes;
import io.workerhealth.operator.planning.Rollouts;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import io.workerhealth.operator.planning.UnreportedPod;
import io.workerhealth.operator.planning.WorkloadSlots;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gathers a policy's {@link PolicyObservation} at the edge: the selected WorkerHealths (from the informer's cache) as
 * {@link PodHealth} with their pods' workload slots (from the pod informer's cache, a GET for a pod not in it yet),
 * the pods the selector matches that never reported, whether the workloads of pods that may be restarted are in
 * the middle of a rollout, the scale targets, and during an outage the dependency check.
 */
final class PolicyObserver {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyObserver.class);

  /** The pods the pod informer holds. */
  interface Pods {
    /** The pods of a namespace the selector matches (not being deleted). */
    List<Pod> matching(String namespace, io.fabric8.kubernetes.api.model.LabelSelector selector);

    /** A pod by name, or null when the cache does not hold it. */
    Pod get(String namespace, String name);
  }

  private final KubernetesClient client;
  private final TargetScaler scaler;
  private final DependencyProbe probe;
  /** Pod uid → workload slot and whether it has a controller; a pod's controller does not change. */
  private final Map<String, Owner> owners = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Owner> eldest) {
      return size() > 20_000;
    }
  });
  /** ReplicaSet namespace/name → the Deployment owning it (empty: none); a ReplicaSet's owner does not change. */
  private final Map<String, String> replicaSetOwners = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f,
      true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 5_000;
    }
  });
  /** Pod uid → the node it runs on ("" once gone), for reports written by node agents; a pod never moves. */
  private final Map<String, String> podNodes = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 20_000;
    }
  });
  /** Reports already warned about as coming from an agent of another node. */
  private final Set<String> misplacedWarned = ConcurrentHashMap.newKeySet();
  /** The last dependency check of each policy (namespace/name), reused until its interval has passed. */
  private final Map<String, DependencyObservation> checks = new ConcurrentHashMap<>();

  /** A pod's workload slot, and whether it has a controller (null: the pod was not found). */
  private record Owner(String slot, Boolean controlled) {}

  PolicyObserver(KubernetesClient client, TargetScaler scaler, DependencyProbe probe) {
    this.client = client;
    this.scaler = scaler;
    this.probe = probe;
  }

  /**
   * @param selected the WorkerHealths the policy's selector matches
   * @param pods     the pod informer's cache
   * @param agentLeases the Lease of the agent of a node (null: none), which vouches for its reports
   * @param status   the policy's status: its history (restarts awaiting verification need their replacements'
   *                 slots) and its outage recovery (the dependency is checked only during one)
   */
  PolicyObservation observe(String namespace, String policyName, PolicySettings settings,
                            io.fabric8.kubernetes.api.model.LabelSelector selector, List<WorkerHealth> selected,
                            Pods pods, Function<String, Lease> agentLeases, WorkerHealthPolicyStatus status,
                            Instant now) {
    List<RemediationRecord> history = status.getHistory();
    // verifying a restart needs the workload slot of the pods that came after it (the replacement's)
    Instant verifySince = history.stream().filter(r -> r.getVerification() == null
        && r.getOutcome() == RemediationOutcome.Succeeded && r.getAction() == RemediationAction.RestartPod
        || r.getAction() == RemediationAction.None && r.getStep() != null && r.getVerification() == null)
        .map(r -> ReportTimes.parse(r.getTime())).filter(Objects::nonNull).min(Instant::compareTo).orElse(null);
    List<PodHealth> healths = new ArrayList<>(selected.size());
    Map<String, String> rollouts = new HashMap<>();
    Set<String> reported = new HashSet<>();
    for (WorkerHealth wh : selected) {
      reported.add(wh.getMetadata().getName());
      healths.add(podHealth(wh, verifySince, pods, rollouts, agentLeases, now));
    }
    List<UnreportedPod> unreported = new ArrayList<>();
    for (Pod p : pods.matching(namespace, selector)) {
      Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
      if (!reported.contains(p.getMetadata().getName()) && !"true".equals(labels.get(ApiGroup.EXCLUDE_LABEL))) {
        unreported.add(new UnreportedPod(p.getMetadata().getName(), p.getMetadata().getUid(),
            ReportTimes.parse(p.getMetadata().getCreationTimestamp())));
      }
    }
    // the scale targets the rules name, as they are now (never throws: problems are part of the observation)
    Map<String, ScaleTargetObservation> targets = new LinkedHashMap<>();
    for (PolicySettings.Rule rule : settings.rules()) {
      if (rule.scale() != null && !settings.paused()) {
        targets.put(rule.scale().target(), scaler.observe(namespace, rule.scale().targetRef()));
      }
    }
    return new PolicyObservation(now, healths, targets, unreported,
        dependency(namespace + "/" + policyName, settings, status, now));
  }

  /** A policy is gone: its last dependency check goes too. */
  void forget(String namespace, String policyName) {
    checks.remove(namespace + "/" + policyName);
  }

  /** The dependency is checked only during an outage, at most once per its interval. */
  private DependencyObservation dependency(String key, PolicySettings settings, WorkerHealthPolicyStatus status,
                                           Instant now) {
    PolicySettings.Dependency dependency = settings.recovery().dependency();
    if (dependency == null || status.getRecovery() == null || settings.paused()) {
      checks.remove(key);
      return null;
    }
    DependencyObservation last = checks.get(key);
    if (last != null && last.checkedAt().plus(dependency.interval()).isAfter(now)) {
      return last;
    }
    DependencyObservation checked = probe.check(dependency, now);
    checks.put(key, checked);
    return checked;
  }

  private PodHealth podHealth(WorkerHealth wh, Instant verifySince, Pods pods, Map<String, String> rollouts,
                              Function<String, Lease> agentLeases, Instant now) {
    String name = wh.getMetadata().getName();
    String namespace = wh.getMetadata().getNamespace();
    String uid = wh.getMetadata().getOwnerReferences() == null ? null : wh.getMetadata().getOwnerReferences().stream()
        .filter(o -> "Pod".equals(o.getKind())).map(OwnerReference::getUid).findFirst().orElse(null);
    if (uid == null) {
      uid = "wh:" + wh.getMetadata().getUid();
    }
    Map<String, String> labels = wh.getMetadata().getLabels() == null ? Map.of() : wh.getMetadata().getLabels();
    boolean excluded = "true".equals(labels.get(ApiGroup.EXCLUDE_LABEL));
    Pod cached = pods.get(namespace, name);
    Owner owner = owners.get(uid);
    if ((owner == null || owner.controlled() == null) && cached != null
        && Objects.equals(cached.getMetadata().getUid(), uid)) {
      owner = owner(name, cached);
      owners.put(uid, owner);
    }
    WorkerHealthStatus believed = believedStatus(wh, uid, cached, agentLeases, now);
    boolean mayAct = believed != null && believed.getPhase() != HealthPhase.Healthy;
    if (owner == null && (mayAct || verifySince != null && createdSince(wh, verifySince))) {
      // a pod the informer has not delivered (yet): only pods that may be acted on, or that may be the replacement
      // of a restarted one, need their controller, looked up once per pod
      Pod p = client.pods().inNamespace(namespace).withName(name).get();
      owner = p == null ? new Owner("Pod/" + name, null) : owner(name, p);
      owners.put(uid, owner);
    }
    Instant created = cached != null ? ReportTimes.parse(cached.getMetadata().getCreationTimestamp())
        : ReportTimes.parse(wh.getMetadata().getCreationTimestamp());
    String slot = owner == null ? "Pod/" + name : owner.slot();
    String rollout = mayAct && owner != null && Boolean.TRUE.equals(owner.controlled())
        ? rollouts.computeIfAbsent(slot, s -> rolloutOf(namespace, s)) : null;
    Integer interval = wh.getSpec() == null ? null : wh.getSpec().getIntervalSeconds();
    return new PodHealth(name, uid, slot, excluded, interval, believed, created,
        owner == null ? null : owner.controlled(), rollout == null || rollout.isEmpty() ? null : rollout);
  }

  /**
   * The status the planner sees of a WorkerHealth: as stored; for a node agent's report, as its Lease vouches for it,
   * and nothing when the agent is not the pod's node's ({@link AgentReports}). The pod's node comes from the pod
   * informer's cache, or one GET for a pod not in it yet.
   */
  private WorkerHealthStatus believedStatus(WorkerHealth wh, String uid, Pod cached,
                                            Function<String, Lease> agentLeases, Instant now) {
    if (!AgentReports.byAgent(wh.getSpec()) || wh.getStatus() == null) {
      return wh.getStatus();
    }
    String node = podNodes.get(uid);
    if (node == null) {
      Pod p = cached != null && uid.equals(cached.getMetadata().getUid()) && cached.getSpec() != null
          && cached.getSpec().getNodeName() != null ? cached : null;
      if (p == null) {
        try {
          p = client.pods().inNamespace(wh.getMetadata().getNamespace()).withName(wh.getMetadata().getName()).get();
        } catch (KubernetesClientException e) {
          return null; // not known now: no report this round
        }
      }
      node = p == null || !uid.equals(p.getMetadata().getUid()) ? ""
          : Objects.requireNonNullElse(p.getSpec().getNodeName(), "");
      if (!node.isEmpty() || p == null) {
        podNodes.put(uid, node); // a pod never moves; one not yet scheduled is asked again
      }
    }
    String recorded = wh.getSpec().getReporter().getNodeName();
    WorkerHealthStatus believed = AgentReports.believed(wh.getSpec(), wh.getStatus(), node.isEmpty() ? null : node,
        recorded == null ? null : agentLeases.apply(recorded), now);
    if (believed == null && !node.isEmpty() && misplacedWarned.add(uid)) {
      LOG.warn("ignoring the report of pod {}/{}: written by the agent of node {}, but the pod runs on node {}",
          wh.getMetadata().getNamespace(), wh.getMetadata().getName(), recorded, node);
    }
    return believed;
  }

  private static Owner owner(String name, Pod pod) {
    List<OwnerReference> refs = pod.getMetadata().getOwnerReferences();
    boolean controlled = refs != null && refs.stream().anyMatch(o -> Boolean.TRUE.equals(o.getController()));
    return new Owner(WorkloadSlots.of(name, refs), controlled);
  }

  /**
   * The workload of a slot ({@code Deployment/name}, {@code StatefulSet/name}) when it is in the middle of a rollout
   * (see {@link Rollouts}), else "". A lookup that fails counts as no rollout (logged): it must not stop remediation.
   */
  private String rolloutOf(String namespace, String slot) {
    try {
      if (slot.startsWith("ReplicaSet/")) {
        String rs = slot.substring("ReplicaSet/".length());
        // looked up outside the map's lock: a computeIfAbsent on the synchronized map would hold every other
        // reconcile's lookup behind this GET (50 policies failing at once took 50 round trips one after the other)
        String key = namespace + "/" + rs;
        String deployment = replicaSetOwners.get(key);
        if (deployment == null) {
          ReplicaSet r = client.apps().replicaSets().inNamespace(namespace).withName(rs).get();
          deployment = r == null || r.getMetadata().getOwnerReferences() == null ? "" : r.getMetadata()
              .getOwnerReferences().stream().filter(o -> Boolean.TRUE.equals(o.getController())
                  && "Deployment".equals(o.getKind())).map(OwnerReference::getName).findFirst().orElse("");
          replicaSetOwners.put(key, deployment);
        }
        if (deployment.isEmpty()) {
          return "";
        }
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(deployment).get();
        return Rollouts.inProgress(d) ? "Deployment/" + deployment : "";
      }
      if (slot.startsWith("StatefulSet/")) {
        String sts = slot.split("/")[1];
        StatefulSet s = client.apps().statefulSets().inNamespace(namespace).withName(sts).get();
        return Rollouts.inProgress(s) ? "StatefulSet/" + sts : "";
      }
    } catch (KubernetesClientException e) {
      LOG.warn("cannot tell whether the workload of {} in {} is rolling out (HTTP {}): {}", slot, namespace,
          e.getCode(), e.getMessage());
    }
    return "";
  }

  /** Whether the WorkerHealth was created at or after {@code since} (creation times have whole seconds). */
  private static boolean createdSince(WorkerHealth wh, Instant since) {
    Instant created = ReportTimes.parse(wh.getMetadata().getCreationTimestamp());
    return created == null || !created.isBefore(since.truncatedTo(ChronoUnit.SECONDS));
  }
}
