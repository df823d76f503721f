package io.workerhealth.operator.reconcile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.operator.metrics.OperatorMetrics;
import io.workerhealth.operator.planning.InvalidPolicyException;
import io.workerhealth.operator.planning.Plan;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
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

  private final Timings timings;

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
    return List.of(healths);
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
      writeStatus(client, policy, status);
      return UpdateControl.noUpdate(); // nothing to do until the spec changes
    }

    InformerEventSource<WorkerHealth, WorkerHealthPolicy> healths = (InformerEventSource<WorkerHealth, WorkerHealthPolicy>)
        context.eventSourceRetriever().getEventSourceFor(WorkerHealth.class);
    List<WorkerHealth> selected = healths.list(ns,
        wh -> LabelSelectors.matches(policy.getSpec().getSelector(), wh.getMetadata().getLabels())).toList();
    List<PodHealth> pods = new ArrayList<>(selected.size());
    for (WorkerHealth wh : selected) {
      pods.add(podHealth(client, wh));
    }

    List<RemediationRecord> history = new ArrayList<>(status.getHistory());
    long total = status.getTotalRemediations() == null ? 0 : status.getTotalRemediations();
    Duration next = timings.resync();

    // 1. intents an earlier run recorded but may not have carried out
    for (RemediationRecord r : history) {
      if (r.getOutcome() == RemediationOutcome.Pending) {
        next = min(next, act(client, events, policy, r, now));
        total += r.getOutcome() == RemediationOutcome.Succeeded ? 1 : 0;
      }
    }

    // 2. decide; right after too many pods were unhealthy, conditions must hold for 'for' again
    var allowedBefore = Conditions.get(status.getConditions(), "RemediationAllowed");
    boolean wasSuppressed = allowedBefore != null && "False".equals(allowedBefore.getStatus())
        && SkipReason.TooManyUnhealthy.name().equals(allowedBefore.getReason());
    Instant settleSince = wasSuppressed ? now
        : status.getSuppressionEndedTime() == null ? null : Instant.parse(status.getSuppressionEndedTime());
    Plan plan = planner.plan(settings, pods, history, settleSince, now);
    if (wasSuppressed && plan.remediationAllowed()) {
      status.setSuppressionEndedTime(nowText);
    }

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
      r.setFailingSince(d.failingSince().toString());
      r.setMessage(d.reason());
      r.setOutcome(d.action() == RemediationAction.None ? RemediationOutcome.Reported
          : d.dryRun() ? RemediationOutcome.DryRun : RemediationOutcome.Pending);
      intents.add(r);
    }
    if (!intents.isEmpty()) {
      List<RemediationRecord> withIntents = new ArrayList<>(intents);
      withIntents.addAll(history);
      history = withIntents;
      status.setHistory(trim(history));
      writeStatus(client, policy, status);
    }

    // 4. act, and tell
    for (RemediationRecord r : intents) {
      switch (r.getOutcome()) {
        case Pending -> {
          next = min(next, act(client, events, policy, r, now));
          total += r.getOutcome() == RemediationOutcome.Succeeded ? 1 : 0;
        }
        case DryRun -> {
          metrics.remediation(ns, name, r.getAction(), RemediationOutcome.DryRun);
          events.on(policy, "Normal", "DryRun", "would restart pod " + r.getPod() + ": " + r.getMessage()
              + " (rule " + r.getRule() + ")");
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
    status.setConditions(conditions);
    status.setObservedGeneration(generation);
    status.setSelectedPods(plan.counts().selected());
    status.setHealthyPods(plan.counts().healthy());
    status.setFailingPods(plan.counts().failing());
    status.setUnknownPods(plan.counts().unknown());
    status.setHistory(trim(history));
    status.setRemediationsInFlight((int) status.getHistory().stream()
        .filter(r -> r.getOutcome() == RemediationOutcome.Pending
            || r.getOutcome() == RemediationOutcome.Succeeded && pods.stream().anyMatch(p -> Objects.equals(p.podUid(), r.getPodUID())))
        .map(RemediationRecord::getPodUID).distinct().count());
    status.setTotalRemediations(total);
    status.getHistory().stream().filter(r -> r.getOutcome() == RemediationOutcome.Succeeded)
        .map(RemediationRecord::getTime).max(String::compareTo).ifPresent(status::setLastRemediationTime);
    writeStatus(client, policy, status);
    metrics.pods(ns, name, plan.counts());
    return UpdateControl.<WorkerHealthPolicy>noUpdate().rescheduleAfter(next);
  }

  /** Carries out a Pending RestartPod record and sets its outcome; returns when to look again. */
  private Duration act(KubernetesClient client, EventRecorder events, WorkerHealthPolicy policy, RemediationRecord r,
                       Instant now) {
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
        if (r.getFailingSince() != null) {
          metrics.failureToAction(ns, name, r.getAction(), Duration.between(Instant.parse(r.getFailingSince()), now));
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

  private PodHealth podHealth(KubernetesClient client, WorkerHealth wh) {
    String pod = wh.getMetadata().getName();
    String uid = wh.getMetadata().getOwnerReferences() == null ? null : wh.getMetadata().getOwnerReferences().stream()
        .filter(o -> "Pod".equals(o.getKind())).map(OwnerReference::getUid).findFirst().orElse(null);
    if (uid == null) {
      uid = "wh:" + wh.getMetadata().getUid();
    }
    Map<String, String> labels = wh.getMetadata().getLabels() == null ? Map.of() : wh.getMetadata().getLabels();
    boolean excluded = "true".equals(labels.get(ApiGroup.EXCLUDE_LABEL));
    String slot = "Pod/" + pod;
    if (wh.getStatus() != null && wh.getStatus().getPhase() != HealthPhase.Healthy) {
      // only pods that may be acted on need their controller; looked up once per pod
      slot = slots.computeIfAbsent(uid, u -> {
        Pod p = client.pods().inNamespace(wh.getMetadata().getNamespace()).withName(pod).get();
        return p == null ? "Pod/" + pod : WorkloadSlots.of(pod, p.getMetadata().getOwnerReferences());
      });
    }
    Integer interval = wh.getSpec() == null ? null : wh.getSpec().getIntervalSeconds();
    return new PodHealth(pod, uid, slot, excluded, interval, wh.getStatus());
  }

  /** Newest first; Pending records are always kept (they are promises), the rest up to the limit. */
  static List<RemediationRecord> trim(List<RemediationRecord> history) {
    List<RemediationRecord> kept = new ArrayList<>();
    int others = 0;
    for (RemediationRecord r : history) {
      if (r.getOutcome() == RemediationOutcome.Pending) {
        kept.add(r);
      } else if (others < WorkerHealthPolicyStatus.HISTORY_LIMIT) {
        kept.add(r);
        others++;
      }
    }
    return kept;
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
