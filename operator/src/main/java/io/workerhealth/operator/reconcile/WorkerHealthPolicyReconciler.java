package io.workerhealth.operator.reconcile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.operator.metrics.OperatorMetrics;
import io.workerhealth.operator.planning.InvalidPolicyException;
import io.workerhealth.operator.planning.Plan;
import io.workerhealth.operator.planning.PlanInputs;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
import io.workerhealth.operator.planning.ReportTimes;
import io.workerhealth.operator.planning.SkipReason;
import io.workerhealth.operator.planning.WorkloadSlots;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thin by design: gathers the inputs (the policy, the WorkerHealths its selector matches, the remediation history
 * in its status), asks the {@link RemediationPlanner}, records the intent in the status, acts, and records the
 * outcome. Because the intent is written before the eviction, an operator restarted in between finds a Pending
 * record and finishes that eviction (guarded by the pod's uid) instead of deciding anew: a pod is never restarted
 * twice for one decision.
 */
@ControllerConfiguration(name = "workerhealthpolicy",
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 60, timeUnit = TimeUnit.SECONDS))
public class WorkerHealthPolicyReconciler implements Reconciler<WorkerHealthPolicy> {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerHealthPolicyReconciler.class);
  /**
   * When to look at a policy again.
   *
   * @param blockedRetry  after an eviction was refused (PodDisruptionBudget) or failed
   * @param recheck       while a rule's condition has not held for its 'for' yet
   * @param resync        otherwise (staleness is noticed this way even when no sidecar writes)
   */
  public record Timings(Duration blockedRetry, Duration recheck, Duration resync) {
    public static final Timings DEFAULT = new Timings(Duration.ofSeconds(30), Duration.ofSeconds(5),
        Duration.ofSeconds(60));
  }

  private final Clock clock;
  private final RemediationPlanner planner = new RemediationPlanner();
  private final OperatorMetrics metrics;
  /** Pod uid → workload slot; a pod's controller does not change, so it is looked up once. */
  private final Map<String, String> slots = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 20_000;
    }
  });
  /** Suppressions already counted, per policy: a held-back remediation is counted once, not every reconcile. */
  private final Map<String, Set<String>> countedSkips = new ConcurrentHashMap<>();
  /** Escalations already announced, per policy (they are re-derived every reconcile while they apply). */
  private final Map<String, Set<String>> announcedEscalations = new ConcurrentHashMap<>();

  private final Timings timings;
  /** The event source of the node agents' Leases, and the label the agents put on them. */
  static final String AGENT_LEASES = "agent-leases";
  static final String AGENT_LEASE_LABEL = "workerhealth.io/agent-lease";
  /** Pod uid → the node it runs on ("" once gone), for reports written by node agents; a pod never moves. */
  private final Map<String, String> podNodes = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > 20_000;
    }
  });
  /** Reports already warned about as coming from an agent of another node. */
  private final Set<String> misplacedWarned = ConcurrentHashMap.newKeySet();

  public WorkerHealthPolicyReconciler(Clock clock, OperatorMetrics metrics, Timings timings) {
    this.clock = clock;
    this.metrics = metrics;
    this.timings = timings;
  }

  @Override
  public List<EventSource<?, WorkerHealthPolicy>> prepareEventSources(EventSourceContext<WorkerHealthPolicy> context) {
    InformerEventSource<WorkerHealth, WorkerHealthPolicy> healths = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(WorkerHealth.class, WorkerHealthPolicy.class)
            // a WorkerHealth change concerns every policy in its namespace whose selector matches its labels
            .withSecondaryToPrimaryMapper(wh -> context.getPrimaryCache()
                .list(wh.getMetadata().getNamespace(),
                    p -> p.getSpec() != null && LabelSelectors.matches(p.getSpec().getSelector(), wh.getMetadata().getLabels()))
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet()))
            .withNamespacesInheritedFromController()
            .build(), context);
    String agentNamespace = context.getClient().getNamespace();
    if (agentNamespace == null) {
      return List.of(healths);
    }
    // the node agents' Leases (in the operator's namespace, where the chart runs them): read where the pods' health
    // is gathered, never a reason to reconcile (a renewal every 10 s per node changes no decision by itself)
    InformerEventSource<Lease, WorkerHealthPolicy> leases = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Lease.class, WorkerHealthPolicy.class)
            .withName(AGENT_LEASES)
            .withNamespaces(Set.of(agentNamespace))
            .withFollowControllerNamespacesChanges(false)
            .withLabelSelector(AGENT_LEASE_LABEL + "=true")
            .withSecondaryToPrimaryMapper(lease -> Set.of())
            .withGenericFilter(lease -> false)
            .build(), context);
    return List.of(healths, leases);
  }

  @Override
  @SuppressWarnings("unchecked")
  public UpdateControl<WorkerHealthPolicy> reconcile(WorkerHealthPolicy cached, Context<WorkerHealthPolicy> context) {
    KubernetesClient client = context.getClient();
    String ns = cached.getMetadata().getNamespace();
    String name = cached.getMetadata().getName();
    // the status is this controller's memory (history, pending intents): read it fresh, never from a stale cache
    WorkerHealthPolicy policy = client.resources(WorkerHealthPolicy.class).inNamespace(ns).withName(name).get();
    if (policy == null) {
      metrics.forget(ns, name);
      countedSkips.remove(ns + "/" + name);
      announcedEscalations.remove(ns + "/" + name);
      return UpdateControl.noUpdate();
    }
    Instant now = clock.instant();
    String nowText = now.toString();
    Long generation = policy.getMetadata().getGeneration();
    WorkerHealthPolicyStatus status = policy.getStatus() == null ? new WorkerHealthPolicyStatus() : policy.getStatus();
    EventRecorder events = new EventRecorder(client, clock);

    PolicySettings settings;
    try {
      settings = PolicySettings.from(policy.getSpec());
    } catch (InvalidPolicyException e) {
      var ready = Conditions.get(status.getConditions(), "Ready");
      if (ready == null || !"InvalidSpec".equals(ready.getReason()) || !e.getMessage().equals(ready.getMessage())) {
        events.on(policy, "Warning", "InvalidSpec", e.getMessage());
      }
      status.setConditions(Conditions.set(status.getConditions(), "Ready", false, "InvalidSpec", e.getMessage(),
          generation, nowText));
      status.setObservedGeneration(generation);
      if (!tryWriteStatus(client, policy, status)) {
        return UpdateControl.<WorkerHealthPolicy>noUpdate().rescheduleAfter(timings.blockedRetry());
      }
      return UpdateControl.noUpdate(); // nothing to do until the spec changes
    }

    InformerEventSource<WorkerHealth, WorkerHealthPolicy> healths = (InformerEventSource<WorkerHealth, WorkerHealthPolicy>)
        context.eventSourceRetriever().getEventSourceFor(WorkerHealth.class);
    List<WorkerHealth> selected = healths.list(ns,
        wh -> LabelSelectors.matches(policy.getSpec().getSelector(), wh.getMetadata().getLabels())).toList();
    List<RemediationRecord> history = new ArrayList<>(status.getHistory());
    // verifying a restart needs the workload slot of the pods that came after it (the replacement's)
    Instant verifySince = history.stream().filter(r -> r.getVerification() == null
        && r.getOutcome() == RemediationOutcome.Succeeded && r.getAction() == RemediationAction.RestartPod
        || r.getAction() == RemediationAction.None && r.getStep() != null && r.getVerification() == null)
        .map(r -> parseOrNull(r.getTime())).filter(java.util.Objects::nonNull).min(Instant::compareTo).orElse(null);
    List<PodHealth> pods = new ArrayList<>(selected.size());
    Function<String, Lease> agentLeases = agentLeases(context);
    for (WorkerHealth wh : selected) {
      pods.add(podHealth(client, wh, verifySince, agentLeases, now));
    }
    // the scale targets the rules name, as they are now (never throws: problems are part of the observation)
    Map<String, ScaleTargetObservation> targets = new LinkedHashMap<>();
    for (PolicySettings.Rule rule : settings.rules()) {
      if (rule.scale() != null && !settings.paused()) {
        targets.put(rule.scale().target(), scaler(client).observe(ns, rule.scale().targetRef()));
      }
    }

    long total = status.getTotalRemediations() == null ? 0 : status.getTotalRemediations();
    Duration next = timings.resync();

    // 1. intents an earlier run recorded but may not have carried out
    for (RemediationRecord r : history) {
      if (r.getOutcome() == RemediationOutcome.Pending) {
        next = min(next, act(client, events, policy, settings, status, r, now));
        total += r.getOutcome() == RemediationOutcome.Succeeded ? 1 : 0;
      }
    }

    // 2. decide; right after too many pods were unhealthy, conditions must hold for 'for' again
    var allowedBefore = Conditions.get(status.getConditions(), "RemediationAllowed");
    boolean wasSuppressed = allowedBefore != null && "False".equals(allowedBefore.getStatus())
        && SkipReason.TooManyUnhealthy.name().equals(allowedBefore.getReason());
    Instant settleSince = wasSuppressed ? now
        : parseOrNull(status.getSuppressionEndedTime());
    boolean outage = RemediationPlanner.outage(settings, pods, now);
    Instant outageSeen = outage ? now
        : parseOrNull(status.getLastOutageTime());
    Plan plan = planner.plan(settings, new PlanInputs(pods, history, settleSince, status.getEffectiveness(),
        status.getScaleTargets(), targets, outageSeen), now);
    if (outage) {
      status.setLastOutageTime(nowText);
    }
    if (wasSuppressed && plan.remediationAllowed()) {
      status.setSuppressionEndedTime(nowText);
    }
    for (Plan.Verified v : plan.verifications()) {
      v.record().setVerification(v.result()); // the record is one of this status's history entries
      v.record().setVerifiedTime(nowText);
    }
    List<Plan.Verified> unannounced = new ArrayList<>(plan.verifications());
    status.setEffectiveness(plan.effectiveness());
    status.setScaleTargets(new ArrayList<>(plan.scaleTargets()));

    // 3. record the intent before acting
    List<RemediationRecord> intents = new ArrayList<>();
    for (Plan.Decision d : plan.actions()) {
      RemediationRecord r = new RemediationRecord();
      r.setPod(d.pod());
      r.setPodUID(d.podUid());
      r.setSlot(d.slot());
      r.setWorker(d.worker());
      r.setRule(d.rule());
      r.setAction(d.action());
      r.setTime(nowText);
      r.setFailingSince(d.failingSince() == null ? null : d.failingSince().toString());
      r.setMessage(d.reason());
      r.setStep(d.step());
      r.setTarget(d.target());
      r.setFromReplicas(d.fromReplicas());
      r.setToReplicas(d.toReplicas());
      r.setOutcome(d.action() == RemediationAction.None ? RemediationOutcome.Reported
          : d.dryRun() ? RemediationOutcome.DryRun : RemediationOutcome.Pending);
      intents.add(r);
    }
    if (!intents.isEmpty()) {
      List<RemediationRecord> withIntents = new ArrayList<>(intents);
      withIntents.addAll(history);
      history = withIntents;
      status.setHistory(trim(history));
      if (!tryWriteStatus(client, policy, status)) {
        // the intent is not recorded: acting now could act twice after a restart; decide again shortly
        return UpdateControl.<WorkerHealthPolicy>noUpdate().rescheduleAfter(timings.blockedRetry());
      }
      announce(policy, events, unannounced);
    }

    // 4. act, and tell
    for (RemediationRecord r : intents) {
      switch (r.getOutcome()) {
        case Pending -> {
          next = min(next, act(client, events, policy, settings, status, r, now));
          total += r.getOutcome() == RemediationOutcome.Succeeded ? 1 : 0;
        }
        case DryRun -> {
          metrics.remediation(ns, name, r.getAction(), RemediationOutcome.DryRun);
          events.on(policy, "Normal", "DryRun", (r.getAction() == RemediationAction.ScaleTarget
              ? "would scale " + r.getTarget() + " from " + r.getFromReplicas() + " to " + r.getToReplicas()
              : "would restart pod " + r.getPod()) + ": " + r.getMessage() + " (rule " + r.getRule() + ")");
        }
        default -> {
          metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Reported);
          events.on(policy, "Warning", "WorkerUnhealthy", "pod " + r.getPod() + ": " + r.getMessage()
              + " (rule " + r.getRule() + ", report only)");
        }
      }
    }

    // 5. what is held back, counted once per held-back remediation
    Set<String> counted = countedSkips.computeIfAbsent(ns + "/" + name, k -> ConcurrentHashMap.newKeySet());
    Set<String> current = new java.util.HashSet<>();
    for (Plan.Skip s : plan.skipped()) {
      if (s.reason() == SkipReason.NotLongEnough) {
        next = min(next, timings.recheck()); // look again soon: the state may have held long enough by then
        continue;
      }
      if (s.reason() == SkipReason.AlreadyDecided || s.reason() == SkipReason.InFlight) {
        continue;
      }
      String key = s.pod() + "/" + s.worker() + "/" + s.reason();
      current.add(key);
      if (counted.add(key)) {
        metrics.suppressed(ns, name, s.reason());
        status.setTotalSuppressed((status.getTotalSuppressed() == null ? 0 : status.getTotalSuppressed()) + 1);
        if (s.reason() != SkipReason.TooManyUnhealthy && s.reason() != SkipReason.Paused) {
          events.on(policy, "Normal", "RemediationSkipped", "pod " + s.pod() + " (" + s.worker() + "): "
              + s.reason() + ": " + s.message());
        }
      }
    }
    counted.retainAll(current);

    // 5b. escalations, announced once each
    Set<String> announced = announcedEscalations.computeIfAbsent(ns + "/" + name, k -> ConcurrentHashMap.newKeySet());
    Set<String> escalating = new java.util.HashSet<>();
    for (Plan.Escalation e : plan.escalations()) {
      String key = e.rule() + "/" + e.worker() + "/" + e.slot() + "/" + e.toStep();
      escalating.add(key);
      if (announced.add(key)) {
        metrics.escalation(ns, name, e.rule(), e.to());
        events.on(policy, "Warning", "Escalated", "rule " + e.rule() + ", worker " + e.worker() + " on " + e.slot()
            + ": " + e.reason() + "; next step: " + e.to());
      }
    }
    announced.retainAll(escalating);
    for (String note : plan.notes()) {
      events.on(policy, "Normal", "ScaleTargetAdopted", note);
    }

    // 6. record the outcome
    boolean allowed = plan.remediationAllowed();
    String reason = allowed ? "WithinLimits" : plan.suppressed().name();
    String message = allowed ? "remediation is allowed" : plan.suppressedMessage();
    if (!allowed && (allowedBefore == null || "True".equals(allowedBefore.getStatus())
        || !reason.equals(allowedBefore.getReason()))) {
      events.on(policy, "Warning", "RemediationSuppressed", message);
    }
    List<io.fabric8.kubernetes.api.model.Condition> conditions = status.getConditions();
    conditions = Conditions.set(conditions, "Ready", true, "Reconciled", "policy is valid; " + pods.size()
        + " pods selected", generation, nowText);
    conditions = Conditions.set(conditions, "RemediationAllowed", allowed, reason, message, generation, nowText);
    conditions = Conditions.set(conditions, "Paused", settings.paused(), settings.paused() ? "Paused" : "Active",
        settings.paused() ? "spec.paused is true" : "the policy is active", generation, nowText);
    if (!targets.isEmpty()) {
      boolean scalable = plan.targetProblems().isEmpty();
      String scaleReason = scalable ? "TargetsScalable" : plan.targetProblems().get(0).reason().name();
      String scaleMessage = scalable ? "scale targets can be scaled: " + String.join(", ", targets.keySet())
          : plan.targetProblems().stream().map(Plan.TargetProblem::message).distinct()
              .collect(Collectors.joining("; "));
      var before = Conditions.get(conditions, "ScalingAllowed");
      if (!scalable && (before == null || !scaleMessage.equals(before.getMessage()))) {
        events.on(policy, "Warning", "ScalingRefused", scaleMessage);
      }
      conditions = Conditions.set(conditions, "ScalingAllowed", scalable, scaleReason, scaleMessage, generation,
          nowText);
    } else if (Conditions.get(conditions, "ScalingAllowed") != null) {
      conditions = conditions.stream().filter(c -> !"ScalingAllowed".equals(c.getType())).toList();
    }
    Map<String, Plan.Attention> held = new LinkedHashMap<>();
    plan.attention().forEach(a -> held.putIfAbsent(a.rule() + "/" + a.worker() + "/" + a.slot(), a));
    boolean attentionNeeded = !held.isEmpty();
    String attentionMessage = attentionNeeded ? held.values().stream().map(Plan.Attention::message)
        .collect(Collectors.joining("; ")) : "every rule is acting normally";
    var attentionBefore = Conditions.get(conditions, "NeedsAttention");
    if (attentionNeeded && (attentionBefore == null || !attentionMessage.equals(attentionBefore.getMessage()))) {
      events.on(policy, "Warning", "NeedsAttention", attentionMessage);
    }
    conditions = Conditions.set(conditions, "NeedsAttention", attentionNeeded, attentionNeeded
        ? held.values().iterator().next().reason().name() : "NothingHeld",
        attentionMessage.length() > 2000 ? attentionMessage.substring(0, 2000) : attentionMessage, generation, nowText);
    metrics.needsAttention(ns, name, held.size());
    status.setConditions(conditions);
    status.setObservedGeneration(generation);
    status.setSelectedPods(plan.counts().selected());
    status.setHealthyPods(plan.counts().healthy());
    status.setFailingPods(plan.counts().failing());
    status.setUnknownPods(plan.counts().unknown());
    status.setHistory(trim(history));
    status.setRemediationsInFlight((int) status.getHistory().stream()
        .filter(r -> r.getOutcome() == RemediationOutcome.Pending
            || r.getOutcome() == RemediationOutcome.Succeeded && r.getAction() == RemediationAction.RestartPod
            && pods.stream().anyMatch(p -> Objects.equals(p.podUid(), r.getPodUID()))) // evicted, not gone yet
        .map(RemediationRecord::getPodUID).distinct().count());
    status.setTotalRemediations(total);
    status.getHistory().stream().filter(r -> r.getOutcome() == RemediationOutcome.Succeeded)
        .map(RemediationRecord::getTime).max(String::compareTo).ifPresent(status::setLastRemediationTime);
    metrics.pods(ns, name, plan.counts());
    metrics.rules(ns, name, settings.rules().stream().collect(java.util.stream.Collectors.toMap(
        PolicySettings.Rule::name, r -> r.steps().stream().map(PolicySettings.Step::action)
            .collect(java.util.stream.Collectors.toSet()), (a, b) -> a)));
    metrics.escalationSteps(ns, name, settings.rules().stream().filter(PolicySettings.Rule::escalating)
        .collect(Collectors.toMap(PolicySettings.Rule::name, r -> r.steps().stream().skip(1)
            .map(PolicySettings.Step::action).collect(Collectors.toSet()), (a, b) -> a)));
    if (!tryWriteStatus(client, policy, status)) {
      return UpdateControl.<WorkerHealthPolicy>noUpdate().rescheduleAfter(timings.blockedRetry());
    }
    announce(policy, events, unannounced);
    return UpdateControl.<WorkerHealthPolicy>noUpdate().rescheduleAfter(next);
  }

  /** Verification results, once they are recorded in the status: metric and Event (then the list is emptied). */
  private void announce(WorkerHealthPolicy policy, EventRecorder events, List<Plan.Verified> verified) {
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    for (Plan.Verified v : verified) {
      RemediationRecord r = v.record();
      if (r.getAction() == RemediationAction.None) {
        events.on(policy, "Normal", "EscalationEnded", "rule " + r.getRule() + ": " + v.message());
        continue;
      }
      metrics.verification(ns, name, r.getRule(), r.getAction(), v.result());
      String what = r.getAction() == RemediationAction.ScaleTarget ? "scaling " + r.getTarget() : "restarting pod "
          + r.getPod();
      boolean ok = v.result() == VerificationResult.Recovered;
      events.on(policy, ok ? "Normal" : "Warning", ok ? "RemediationRecovered" : "RemediationNotRecovered",
          what + " (rule " + r.getRule() + "): " + v.message());
    }
    verified.clear();
  }

  /** Carries out a Pending record (RestartPod or ScaleTarget) and sets its outcome; returns when to look again. */
  private Duration act(KubernetesClient client, EventRecorder events, WorkerHealthPolicy policy,
                       PolicySettings settings, WorkerHealthPolicyStatus status, RemediationRecord r, Instant now) {
    if (r.getAction() == RemediationAction.ScaleTarget) {
      return actScale(client, events, policy, settings, status, r, now);
    }
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    PodRestarter.Result result;
    try {
      result = restarter(client).restart(ns, r.getPod(), r.getPodUID());
    } catch (RuntimeException e) {
      r.setOutcome(RemediationOutcome.Failed);
      r.setMessage("eviction failed: " + e.getMessage());
      metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Failed);
      events.on(policy, "Warning", "RestartFailed", "pod " + r.getPod() + ": " + r.getMessage());
      return timings.blockedRetry();
    }
    switch (result) {
      case EVICTED -> {
        r.setOutcome(RemediationOutcome.Succeeded);
        metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Succeeded);
        if (parseOrNull(r.getFailingSince()) != null) {
          metrics.failureToAction(ns, name, r.getAction(), Duration.between(parseOrNull(r.getFailingSince()), now));
        }
        String msg = "evicted pod " + r.getPod() + ": " + r.getMessage() + " (rule " + r.getRule() + ")";
        events.on(policy, "Normal", "Restarted", msg);
        events.normal(ns, "Pod", "v1", r.getPod(), r.getPodUID(), "Restarted",
            "evicted by WorkerHealthPolicy " + name + ": " + r.getMessage());
        LOG.info("{}/{}: {}", ns, name, msg);
        return timings.resync();
      }
      case BLOCKED -> {
        r.setOutcome(RemediationOutcome.Blocked);
        r.setMessage("eviction refused (HTTP 429): a PodDisruptionBudget does not allow it now; retrying");
        metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Blocked);
        events.on(policy, "Warning", "EvictionBlocked", "pod " + r.getPod() + ": " + r.getMessage());
        events.warning(ns, "Pod", "v1", r.getPod(), r.getPodUID(), "EvictionBlocked", r.getMessage());
        return timings.blockedRetry();
      }
      default -> {
        r.setOutcome(RemediationOutcome.Succeeded);
        r.setMessage("pod already gone or replaced: " + r.getMessage());
        return timings.resync();
      }
    }
  }

  /** Carries out a Pending ScaleTarget record through the target's scale subresource. */
  private Duration actScale(KubernetesClient client, EventRecorder events, WorkerHealthPolicy policy,
                            PolicySettings settings, WorkerHealthPolicyStatus status, RemediationRecord r,
                            Instant now) {
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    PolicySettings.Rule rule = settings.rules().stream().filter(x -> x.name().equals(r.getRule())
        && x.scale() != null && x.scale().target().equals(r.getTarget())).findFirst().orElse(null);
    String failure;
    if (rule == null || r.getFromReplicas() == null || r.getToReplicas() == null) {
      failure = "the rule no longer scales " + r.getTarget();
    } else {
      try {
        TargetScaler.Result result = scaler(client).scale(ns, rule.scale().targetRef(), r.getFromReplicas(),
            r.getToReplicas());
        if (result != TargetScaler.Result.CHANGED) {
          r.setOutcome(RemediationOutcome.Succeeded);
          metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Succeeded);
          boolean up = r.getToReplicas() > r.getFromReplicas();
          if (up && parseOrNull(r.getFailingSince()) != null) {
            metrics.failureToAction(ns, name, r.getAction(), Duration.between(parseOrNull(r.getFailingSince()), now));
          }
          String msg = "scaled " + r.getTarget() + " from " + r.getFromReplicas() + " to " + r.getToReplicas() + ": "
              + r.getMessage() + " (rule " + r.getRule() + ")";
          events.on(policy, "Normal", up ? "ScaledUp" : "ScaledDown", msg);
          var ref = rule.scale().targetRef();
          events.normal(ns, ref.getKind(), ref.getApiVersion(), ref.getName(), null, up ? "ScaledUp" : "ScaledDown",
              "scaled by WorkerHealthPolicy " + name + " from " + r.getFromReplicas() + " to " + r.getToReplicas());
          LOG.info("{}/{}: {}", ns, name, msg);
          return timings.resync();
        }
        failure = "its replicas changed meanwhile (expected " + r.getFromReplicas() + "); not scaling";
      } catch (RuntimeException e) {
        failure = "scaling failed: " + e.getMessage();
      }
    }
    r.setOutcome(RemediationOutcome.Failed);
    r.setMessage(failure + ": " + r.getMessage());
    metrics.remediation(ns, name, r.getAction(), RemediationOutcome.Failed);
    events.on(policy, "Warning", "ScaleFailed", r.getTarget() + ": " + failure);
    // the target still has its old replicas: remember those as what the operator set, keeping the baseline
    List<ScaleTargetState> states = new ArrayList<>(status.getScaleTargets());
    ScaleTargetState state = states.stream().filter(st -> Objects.equals(st.getTarget(), r.getTarget())).findFirst()
        .orElse(null);
    if (state != null && Objects.equals(state.getLastSetReplicas(), r.getToReplicas())) {
      state.setLastSetReplicas(r.getFromReplicas());
    } else if (state == null && r.getFromReplicas() != null && r.getToReplicas() != null
        && r.getToReplicas() < r.getFromReplicas()) {
      states.add(new ScaleTargetState(r.getTarget(), r.getRule(), r.getToReplicas(), r.getFromReplicas(),
          r.getTime(), null)); // a failed last step down: still above the baseline
    }
    status.setScaleTargets(states);
    return timings.blockedRetry();
  }

  private volatile TargetScaler scaler;

  private TargetScaler scaler(KubernetesClient client) {
    if (scaler == null) {
      synchronized (this) {
        if (scaler == null) {
          scaler = new TargetScaler(client);
        }
      }
    }
    return scaler;
  }

  private volatile PodRestarter restarter;

  private PodRestarter restarter(KubernetesClient client) {
    if (restarter == null) {
      synchronized (this) {
        if (restarter == null) {
          restarter = new PodRestarter(client);
        }
      }
    }
    return restarter;
  }

  private static Instant parseOrNull(String time) {
    return ReportTimes.parse(time);
  }

  /** Whether the WorkerHealth was created at or after {@code since} (creation times have whole seconds). */
  private static boolean createdSince(WorkerHealth wh, Instant since) {
    Instant created = parseOrNull(wh.getMetadata().getCreationTimestamp());
    return created == null || !created.isBefore(since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
  }

  /** The Lease of the agent of a node, from the agents' event source; none when the operator watches none. */
  @SuppressWarnings("unchecked")
  private static Function<String, Lease> agentLeases(Context<WorkerHealthPolicy> context) {
    String namespace = context.getClient().getNamespace();
    if (namespace == null) {
      return node -> null;
    }
    InformerEventSource<Lease, WorkerHealthPolicy> leases = (InformerEventSource<Lease, WorkerHealthPolicy>)
        context.eventSourceRetriever().getEventSourceFor(Lease.class, AGENT_LEASES);
    return node -> leases.get(new ResourceID(ApiGroup.agentLeaseName(node), namespace)).orElse(null);
  }

  /**
   * The status the planner sees of a WorkerHealth: as stored; for a node agent's report, as its Lease vouches for it,
   * and nothing when the agent is not the pod's node's ({@link AgentReports}).
   */
  private WorkerHealthStatus believedStatus(KubernetesClient client, WorkerHealth wh, String uid,
                                            Function<String, Lease> agentLeases, Instant now) {
    if (!AgentReports.byAgent(wh.getSpec()) || wh.getStatus() == null) {
      return wh.getStatus();
    }
    String node = podNodes.get(uid);
    if (node == null) {
      try {
        Pod p = client.pods().inNamespace(wh.getMetadata().getNamespace()).withName(wh.getMetadata().getName()).get();
        node = p == null || !uid.equals(p.getMetadata().getUid()) ? ""
            : Objects.requireNonNullElse(p.getSpec().getNodeName(), "");
        podNodes.put(uid, node);
      } catch (KubernetesClientException e) {
        return null; // not known now: no report this round
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

  private PodHealth podHealth(KubernetesClient client, WorkerHealth wh, Instant verifySince,
                              Function<String, Lease> agentLeases, Instant now) {
    String pod = wh.getMetadata().getName();
    String uid = wh.getMetadata().getOwnerReferences() == null ? null : wh.getMetadata().getOwnerReferences().stream()
        .filter(o -> "Pod".equals(o.getKind())).map(OwnerReference::getUid).findFirst().orElse(null);
    if (uid == null) {
      uid = "wh:" + wh.getMetadata().getUid();
    }
    Map<String, String> labels = wh.getMetadata().getLabels() == null ? Map.of() : wh.getMetadata().getLabels();
    boolean excluded = "true".equals(labels.get(ApiGroup.EXCLUDE_LABEL));
    String slot = slots.getOrDefault(uid, "Pod/" + pod);
    if (wh.getStatus() != null && wh.getStatus().getPhase() != HealthPhase.Healthy
        || verifySince != null && createdSince(wh, verifySince)) {
      // only pods that may be acted on, or that may be the replacement of a restarted one, need their controller;
      // looked up once per pod (a lookup for every selected pod would delay the action behind a burst of GETs)
      slot = slots.computeIfAbsent(uid, u -> {
        Pod p = client.pods().inNamespace(wh.getMetadata().getNamespace()).withName(pod).get();
        return p == null ? "Pod/" + pod : WorkloadSlots.of(pod, p.getMetadata().getOwnerReferences());
      });
    }
    Integer interval = wh.getSpec() == null ? null : wh.getSpec().getIntervalSeconds();
    return new PodHealth(pod, uid, slot, excluded, interval, believedStatus(client, wh, uid, agentLeases, now));
  }

  /**
   * Newest first; Pending records are always kept (they are promises), records still to be verified up to the limit
   * again, the rest up to the limit.
   */
  static List<RemediationRecord> trim(List<RemediationRecord> history) {
    List<RemediationRecord> kept = new ArrayList<>();
    int others = 0;
    int unverified = 0;
    for (RemediationRecord r : history) {
      boolean awaitsVerification = r.getVerification() == null && r.getOutcome() == RemediationOutcome.Succeeded
          && r.getAction() != RemediationAction.None;
      if (r.getOutcome() == RemediationOutcome.Pending) {
        kept.add(r);
      } else if (others >= WorkerHealthPolicyStatus.HISTORY_LIMIT && awaitsVerification
          && unverified < WorkerHealthPolicyStatus.HISTORY_LIMIT) {
        kept.add(r);
        unverified++;
      } else if (others < WorkerHealthPolicyStatus.HISTORY_LIMIT) {
        kept.add(r);
        others++;
      }
    }
    return kept;
  }

  /**
   * Writes the status; false (logged) when the API server refused or failed: a conflict, too many requests or a
   * server error is retried by the next reconcile, never thrown out of it.
   */
  private static boolean tryWriteStatus(KubernetesClient client, WorkerHealthPolicy policy,
                                        WorkerHealthPolicyStatus status) {
    try {
      writeStatus(client, policy, status);
      return true;
    } catch (KubernetesClientException e) {
      LOG.warn("writing the status of {}/{} failed (HTTP {}), retrying later: {}", policy.getMetadata().getNamespace(),
          policy.getMetadata().getName(), e.getCode(), e.getMessage());
      return false;
    }
  }

  /** Replaces the status as a whole (one JSON Patch through the status subresource). */
  static void writeStatus(KubernetesClient client, WorkerHealthPolicy policy, WorkerHealthPolicyStatus status) {
    ArrayNode patch = JsonNodeFactory.instance.arrayNode();
    ObjectNode op = patch.addObject();
    op.put("op", "add");
    op.put("path", "/status");
    op.set("value", client.getKubernetesSerialization().convertValue(status, ObjectNode.class));
    WorkerHealthPolicy target = new WorkerHealthPolicy();
    target.getMetadata().setName(policy.getMetadata().getName());
    target.getMetadata().setNamespace(policy.getMetadata().getNamespace());
    client.resources(WorkerHealthPolicy.class).inNamespace(policy.getMetadata().getNamespace()).resource(target)
        .subresource("status").patch(PatchContext.of(PatchType.JSON), patch.toString());
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public ErrorStatusUpdateControl<WorkerHealthPolicy> updateErrorStatus(WorkerHealthPolicy policy,
      Context<WorkerHealthPolicy> context, Exception e) {
    metrics.reconcileError(policy.getMetadata().getNamespace(), policy.getMetadata().getName());
    LOG.warn("reconciling {}/{} failed: {}", policy.getMetadata().getNamespace(), policy.getMetadata().getName(),
        e.toString());
    return ErrorStatusUpdateControl.noStatusUpdate(); // retried with backoff by java-operator-sdk
  }
}
