package io.workerhealth.operator.reconcile;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.RecoveryStatus;
import io.workerhealth.api.v1alpha1.RemediationAction;
import io.workerhealth.api.v1alpha1.RemediationOutcome;
import io.workerhealth.api.v1alpha1.RemediationRecord;
import io.workerhealth.api.v1alpha1.ScaleTargetState;
import io.workerhealth.api.v1alpha1.VerificationResult;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.operator.metrics.OperatorMetrics;
import io.workerhealth.operator.planning.InvalidPolicyException;
import io.workerhealth.operator.planning.Plan;
import io.workerhealth.operator.planning.BaselineRestore;
import io.workerhealth.operator.planning.PolicyDecision;
import io.workerhealth.operator.planning.PolicyObservation;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
import io.workerhealth.operator.planning.ReportTimes;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import io.workerhealth.operator.planning.SkipReason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Thin by design: observes (the policy, the WorkerHealths its selector matches, the remediation history in its
 * status: {@link PolicyObserver}), decides ({@link PolicyDecision} with the pure {@link RemediationPlanner}), records
 * the intent in the status ({@link StatusWriter}), acts ({@link RemediationActions}), and reports the outcome
 * ({@link PolicyReport}). Because the intent is written before the eviction, an operator restarted in between finds
 * a Pending record and finishes that eviction (guarded by the pod's uid) instead of deciding anew: a pod is never
 * restarted twice for one decision.
 *
 * <p>Work is proportional to changes: everything is read from informer caches (policies, WorkerHealths and pods,
 * each pruned to what is read: {@link InformerPruning}); a WorkerHealth update that changes nothing a policy reads
 * (a sidecar's heartbeat) reconciles nothing ({@link WorkerHealthChanges}); the reconciles of a policy are spaced
 * ({@link ReconcileSpacing}), so a burst of changes is handled by a few; and the status is written only when it
 * changes, conditioned on the version it was decided from ({@link StatusWriter}).
 */
@ControllerConfiguration(name = "workerhealthpolicy",
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 60, timeUnit = TimeUnit.SECONDS))
public class WorkerHealthPolicyReconciler implements Reconciler<WorkerHealthPolicy>, Cleaner<WorkerHealthPolicy> {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkerHealthPolicyReconciler.class);
  private static final String HEALTHS = "workerhealths";
  /** Skips that end with time alone (no WorkerHealth changes when they do). */
  private static final Set<SkipReason> TIME_BOUND = Set.of(SkipReason.Cooldown, SkipReason.RateLimited);
  private static final String PODS = "pods";
  /**
   * When to look at a policy again.
   *
   * @param blockedRetry  after an eviction was refused (PodDisruptionBudget) or failed
   * @param recheck       while a rule's condition has not held for its 'for' yet
   * @param resync        otherwise, at the latest (a report going stale is noticed at the moment it does)
   * @param spacing       the least time between the starts of two reconciles of a policy: changes within it are
   *                      handled together
   */
  public record Timings(Duration blockedRetry, Duration recheck, Duration resync, Duration spacing) {
    public static final Duration DEFAULT_SPACING = Duration.ofMillis(500);
    public static final Timings DEFAULT = new Timings(Duration.ofSeconds(30), Duration.ofSeconds(5),
        Duration.ofSeconds(60));

    public Timings(Duration blockedRetry, Duration recheck, Duration resync) {
      this(blockedRetry, recheck, resync, DEFAULT_SPACING);
    }
  }

  /** WorkerHealths and pods are listed in pages of this many (a page is what the informer holds unpruned at once). */
  static final long LIST_PAGE = 500;

  private final Clock clock;
  private final RemediationPlanner planner = new RemediationPlanner();
  private final OperatorMetrics metrics;
  private final Timings timings;
  /** What was already told about each policy (suppressions counted, escalations announced), by namespace/name. */
  private final Map<String, PolicyReport.Told> told = new ConcurrentHashMap<>();
  private volatile Edge edge;
  /** The event source of the node agents' Leases, and the label the agents put on them. */
  static final String AGENT_LEASES = "agent-leases";
  static final String AGENT_LEASE_LABEL = "workerhealth.io/agent-lease";

  /** The reconciler's ties to the cluster, made once from the operator's client. */
  private record Edge(PolicyObserver observer, RemediationActions actions, StatusWriter statusWriter,
                      EventRecorder events, TargetScaler scaler) {}

  public WorkerHealthPolicyReconciler(Clock clock, OperatorMetrics metrics, Timings timings) {
    this.clock = clock;
    this.metrics = metrics;
    this.timings = timings;
  }

  /** How long a deleted policy tries to restore its scale targets' baselines before it lets go. */
  static final Duration RESTORE_FOR = Duration.ofMinutes(5);
  /** The shortest wait before looking at a policy again, however soon the next try is due. */
  static final Duration MIN_WAIT = Duration.ofMillis(100);

  /**
   * When a policy with nothing pending is looked at again: between three quarters of {@code resync} and all of it,
   * fixed per policy (by its uid). Policies listed together at a start would otherwise all be reconciled in the same
   * second of every minute, and the changes that arrive then would wait behind hundreds of reconciles.
   */
  static Duration resyncOf(Duration resync, String uid) {
    long spread = resync.toMillis() / 4;
    return uid == null || spread == 0 ? resync : resync.minusMillis(Math.floorMod(uid.hashCode(), spread));
  }

  /** The reconciler's spacing of reconciles, for the controller's configuration. */
  public ReconcileSpacing spacing() {
    return new ReconcileSpacing(timings.spacing());
  }

  @Override
  public List<EventSource<?, WorkerHealthPolicy>> prepareEventSources(EventSourceContext<WorkerHealthPolicy> context) {
    SelectingPolicies selecting = new SelectingPolicies(context.getPrimaryCache());
    InformerEventSource<WorkerHealth, WorkerHealthPolicy> healths = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(WorkerHealth.class, WorkerHealthPolicy.class)
            .withName(HEALTHS)
            // a WorkerHealth change concerns every policy in its namespace whose selector matches its labels
            .withSecondaryToPrimaryMapper(selecting::ids)
            // ...but not when it is only a heartbeat (the scrape time moved on, nothing else)
            .withOnUpdateFilter((after, before) -> counted(WorkerHealthChanges.matters(before, after, clock.instant(),
                selecting.shortestStaleAfter(after))))
            // policies list what they select themselves; no index of secondaries per policy is kept
            .withPrimaryToSecondaryMapper(p -> Set.of())
            .withItemStore(new TransformingItemStore<>(InformerPruning::workerHealth))
            .withInformerListLimit(LIST_PAGE)
            .withNamespacesInheritedFromController()
            .build(), context);
    // a policy reads its candidates through the label index, not a scan of every cached object
    healths.addIndexers(CacheIndexes.indexers());
    // pods: their controllers (workload slots, bare pods) without a GET each, and the pods that never report; only
    // what the operator reads is kept, and only a change of it (not a pod's status) reconciles the selecting policies
    InformerEventSource<Pod, WorkerHealthPolicy> pods = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, WorkerHealthPolicy.class)
            .withName(PODS)
            .withSecondaryToPrimaryMapper(selecting::ids)
            .withPrimaryToSecondaryMapper(p -> Set.of())
            .withItemStore(new TransformingItemStore<>(InformerPruning::pod))
            .withOnUpdateFilter(InformerPruning::podChanged)
            .withInformerListLimit(LIST_PAGE)
            .withNamespacesInheritedFromController()
            .build(), context);
    pods.addIndexers(CacheIndexes.indexers());
    String agentNamespace = context.getClient().getNamespace();
    if (agentNamespace == null) {
      return List.of(healths, pods);
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
    return List.of(healths, pods, leases);
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

  private boolean counted(boolean matters) {
    metrics.healthUpdate(matters);
    return matters;
  }

  /**
   * One reconcile of a policy, in named steps: observe (the selected pods, their slots, the scale targets) → finish
   * the intents an earlier run recorded → decide (the pure planner) → record the intent → act → report (status,
   * conditions, Events, metrics).
   */
  @Override
  public UpdateControl<WorkerHealthPolicy> reconcile(WorkerHealthPolicy cached, Context<WorkerHealthPolicy> context) {
    Edge edge = edge(context.getClient());
    // the status is this controller's memory (history, pending intents): the cache, or this operator's own last write
    // while the cache has not caught up with it (no GET: StatusWriter keeps that guarantee)
    WorkerHealthPolicy policy = edge.statusWriter().latest(cached);
    Instant now = clock.instant();
    WorkerHealthPolicyStatus status = policy.getStatus() == null ? new WorkerHealthPolicyStatus() : policy.getStatus();
    PolicySettings settings;
    try {
      settings = PolicySettings.from(policy.getSpec());
    } catch (InvalidPolicyException e) {
      return reportInvalid(edge, policy, status, e, now);
    }
    PolicyObservation observed = observe(edge, context, policy, settings, status, now);
    Round round = new Round(policy, settings, status, now, status.getHistory());
    finishRecordedIntents(edge, round);
    var allowedBefore = Conditions.get(status.getConditions(), "RemediationAllowed");
    var recoveryBefore = status.getRecovery();
    PolicyDecision decision = PolicyDecision.decide(planner, settings, status, observed,
        policy.getMetadata().getGeneration());
    decision.remember(status, now);
    List<Plan.Verified> unannounced = new ArrayList<>(decision.plan().verifications());
    List<RemediationRecord> intents = decision.intents(now);
    StatusWriter.Result recorded = recordIntents(edge, round, intents, unannounced);
    if (!recorded.stored()) {
      // the intent is not recorded: acting now could act twice after a restart; decide again shortly
      return retry(recorded);
    }
    act(edge, round, intents);
    return report(edge, round, decision.plan(), observed, allowedBefore, recoveryBefore, unannounced);
  }

  /** What one reconcile carries from step to step. */
  private static final class Round {
    final WorkerHealthPolicy policy;
    final PolicySettings settings;
    final WorkerHealthPolicyStatus status;
    final Instant now;
    /** The history as this round leaves it, newest first (untrimmed until written). */
    List<RemediationRecord> history;
    long total;
    Duration next;

    Round(WorkerHealthPolicy policy, PolicySettings settings, WorkerHealthPolicyStatus status, Instant now,
          List<RemediationRecord> history) {
      this.policy = policy;
      this.settings = settings;
      this.status = status;
      this.now = now;
      this.history = new ArrayList<>(history);
      this.total = status.getTotalRemediations() == null ? 0 : status.getTotalRemediations();
    }

    String key() {
      return policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
    }
  }

  private Edge edge(KubernetesClient client) {
    if (edge == null) {
      synchronized (this) {
        if (edge == null) {
          TargetScaler scaler = new TargetScaler(client);
          EventRecorder events = new EventRecorder(client, clock);
          edge = new Edge(new PolicyObserver(client, scaler, new DependencyProbe()),
              new RemediationActions(lazyRestarter(client), scaler, events, metrics, timings),
              new StatusWriter(client, result -> metrics.statusWrite(result.name())), events, scaler);
        }
      }
    }
    return edge;
  }

  /** The restarter is made on the first eviction (it builds its own HTTP client). */
  private static Supplier<PodRestarter> lazyRestarter(KubernetesClient client) {
    return new Supplier<>() {
      private volatile PodRestarter restarter;

      @Override
      public PodRestarter get() {
        if (restarter == null) {
          synchronized (this) {
            if (restarter == null) {
              restarter = new PodRestarter(client);
            }
          }
        }
        return restarter;
      }
    };
  }

  /** A deleted policy: its metrics, what was told about it and the memory of its last status write go. */
  void forget(String ns, String name) {
    metrics.forget(ns, name);
    told.remove(ns + "/" + name);
    Edge e = edge;
    if (e != null) {
      e.statusWriter().forget(ns, name);
      e.observer().forget(ns, name);
    }
  }

  /** After a status write that did not go through: decide again from the newer version soon, or later. */
  private UpdateControl<WorkerHealthPolicy> retry(StatusWriter.Result result) {
    if (result == StatusWriter.Result.FAILED) {
      // refused for another reason than a newer version (403, 422, 5xx after the client's own tries): the reconcile
      // failed, and says so (metrics, the dashboard, java-operator-sdk's retry with backoff); nothing was acted on
      throw new IllegalStateException("the policy's status could not be written (the reason is logged above)");
    }
    return UpdateControl.<WorkerHealthPolicy>noUpdate().rescheduleAfter(timings.recheck());
  }

  /**
   * A policy being deleted: the scale targets it scaled up and has not brought back are scaled back to their baseline
   * (rules with scale.restoreOnDelete, the default), unless someone else changed them since; then the finalizer goes.
   * A restore that fails is retried for {@link #RESTORE_FOR} after the deletion, then given up (a Warning Event).
   */
  @Override
  public DeleteControl cleanup(WorkerHealthPolicy policy, Context<WorkerHealthPolicy> context) {
    Edge edge = edge(context.getClient());
    String ns = policy.getMetadata().getNamespace();
    Instant now = clock.instant();
    PolicySettings settings;
    try {
      settings = PolicySettings.from(policy.getSpec());
    } catch (InvalidPolicyException e) {
      settings = null; // an invalid spec names no target it could restore
    }
    List<ScaleTargetState> states = policy.getStatus() == null ? List.of() : policy.getStatus().getScaleTargets();
    Map<String, ScaleTargetObservation> observed = new LinkedHashMap<>();
    for (BaselineRestore.Target t : BaselineRestore.targets(settings, states)) {
      observed.put(t.target(), edge.scaler().observe(ns, t.ref()));
    }
    boolean failed = false;
    for (BaselineRestore.Step step : BaselineRestore.plan(settings, states, observed)) {
      if (step.to() == null) {
        edge.events().on(policy, "Normal", "ScaleTargetLeft", step.message());
        continue;
      }
      try {
        TargetScaler.Result result = edge.scaler().scale(ns, step.ref(), step.from(), step.to());
        if (result == TargetScaler.Result.CHANGED) {
          edge.events().on(policy, "Normal", "ScaleTargetLeft", step.target() + " changed meanwhile: left as it is");
          continue;
        }
        edge.events().on(policy, "Normal", "ScaleTargetRestored", step.message());
        edge.events().normal(ns, step.ref().getKind(), step.ref().getApiVersion(), step.ref().getName(), null,
            "ScaledDown", "scaled back to " + step.to() + " by the deletion of WorkerHealthPolicy "
                + policy.getMetadata().getName());
      } catch (RuntimeException e) {
        failed = true;
        edge.events().on(policy, "Warning", "ScaleFailed", step.target() + ": restoring " + step.to()
            + " replicas failed: " + e.getMessage());
      }
    }
    Instant deleted = ReportTimes.parse(policy.getMetadata().getDeletionTimestamp());
    if (failed && deleted != null && deleted.plus(RESTORE_FOR).isAfter(now)) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(timings.blockedRetry());
    }
    if (failed) {
      edge.events().on(policy, "Warning", "ScaleTargetLeft", "gave up restoring scale targets "
          + RESTORE_FOR.toMinutes() + " minutes after the deletion; check their replicas");
    }
    forget(ns, policy.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  /** An invalid spec: Ready=False with every problem, an Event when the message changes; nothing else is done. */
  private UpdateControl<WorkerHealthPolicy> reportInvalid(Edge edge, WorkerHealthPolicy policy,
                                                         WorkerHealthPolicyStatus status, InvalidPolicyException e,
                                                         Instant now) {
    Long generation = policy.getMetadata().getGeneration();
    var ready = Conditions.get(status.getConditions(), "Ready");
    if (ready == null || !"InvalidSpec".equals(ready.getReason()) || !e.getMessage().equals(ready.getMessage())) {
      edge.events().on(policy, "Warning", "InvalidSpec", e.getMessage());
    }
    status.setConditions(Conditions.set(status.getConditions(), "Ready", false, "InvalidSpec", e.getMessage(),
        generation, now.toString()));
    status.setObservedGeneration(generation);
    StatusWriter.Result written = edge.statusWriter().write(policy, status);
    if (!written.stored()) {
      return retry(written);
    }
    return UpdateControl.noUpdate(); // nothing to do until the spec changes
  }

  /**
   * Observe: the WorkerHealths and pods the selector matches (from the informers' caches), their slots and rollouts,
   * the scale targets, the dependency during an outage.
   */
  @SuppressWarnings("unchecked")
  private PolicyObservation observe(Edge edge, Context<WorkerHealthPolicy> context, WorkerHealthPolicy policy,
                                    PolicySettings settings, WorkerHealthPolicyStatus status, Instant now) {
    InformerEventSource<WorkerHealth, WorkerHealthPolicy> healths = (InformerEventSource<WorkerHealth, WorkerHealthPolicy>)
        context.eventSourceRetriever().getEventSourceFor(WorkerHealth.class, HEALTHS);
    InformerEventSource<Pod, WorkerHealthPolicy> pods = (InformerEventSource<Pod, WorkerHealthPolicy>)
        context.eventSourceRetriever().getEventSourceFor(Pod.class, PODS);
    LabelSelector selector = policy.getSpec().getSelector();
    // read through the caches' label index: linear in the pods the selector may match, not in the cluster's
    List<WorkerHealth> selected = CacheIndexes.select(healths, policy.getMetadata().getNamespace(), selector,
        wh -> true);
    PolicyObserver.Pods podCache = new PolicyObserver.Pods() {
      @Override
      public List<Pod> matching(String namespace, LabelSelector s) {
        return CacheIndexes.select(pods, namespace, s, p -> p.getMetadata().getDeletionTimestamp() == null);
      }

      @Override
      public Pod get(String namespace, String name) {
        return pods.get(new ResourceID(name, namespace)).orElse(null);
      }
    };
    return edge.observer().observe(policy.getMetadata().getNamespace(), policy.getMetadata().getName(), settings,
        selector, selected, podCache, agentLeases(context), status, now);
  }

  /**
   * Act on the intents an earlier run recorded but may not have carried out (it may have stopped in between); a
   * paused policy carries out none of them: they are cancelled, and say why.
   */
  private void finishRecordedIntents(Edge edge, Round round) {
    round.next = resyncOf(timings.resync(), round.policy.getMetadata().getUid());
    for (RemediationRecord r : round.history) {
      if (r.getOutcome() == RemediationOutcome.Pending && round.settings.paused()) {
        r.setOutcome(RemediationOutcome.Cancelled);
        r.setMessage("not carried out: the policy was paused after it was decided (" + r.getMessage() + ")");
        edge.events().on(round.policy, "Normal", "IntentCancelled", r.getAction() + " of "
            + (r.getPod() != null ? "pod " + r.getPod() : r.getTarget()) + " (rule " + r.getRule() + "): "
            + r.getMessage());
        continue;
      }
      if (r.getOutcome() == RemediationOutcome.Pending) {
        round.next = min(round.next, edge.actions().carryOut(round.policy, round.settings, round.status, r,
            round.now));
        round.total += r.getOutcome() == RemediationOutcome.Succeeded ? 1 : 0;
      }
    }
  }

  /** Record the intent before acting: unless stored, nothing may be done. */
  private StatusWriter.Result recordIntents(Edge edge, Round round, List<RemediationRecord> intents,
                                            List<Plan.Verified> unannounced) {
    if (intents.isEmpty()) {
      return StatusWriter.Result.UNCHANGED;
    }
    List<RemediationRecord> withIntents = new ArrayList<>(intents);
    withIntents.addAll(round.history);
    round.history = withIntents;
    round.status.setHistory(trim(round.history));
    StatusWriter.Result written = edge.statusWriter().write(round.policy, round.status);
    if (written.stored()) {
      announce(edge, round.policy, unannounced);
    }
    return written;
  }

  /** Act on this round's intents, and tell. */
  private void act(Edge edge, Round round, List<RemediationRecord> intents) {
    for (RemediationRecord r : intents) {
      switch (r.getOutcome()) {
        case Pending -> {
          round.next = min(round.next, edge.actions().carryOut(round.policy, round.settings, round.status, r,
              round.now));
          round.total += r.getOutcome() == RemediationOutcome.Succeeded ? 1 : 0;
        }
        case DryRun -> edge.actions().tellDryRun(round.policy, r);
        default -> edge.actions().tellReported(round.policy, r);
      }
    }
  }

  /** Report: the status (conditions, counts, history), Events and metrics; then when to look again. */
  private UpdateControl<WorkerHealthPolicy> report(Edge edge, Round round, Plan plan, PolicyObservation observed,
                                                   io.fabric8.kubernetes.api.model.Condition allowedBefore,
                                                   RecoveryStatus recoveryBefore, List<Plan.Verified> unannounced) {
    WorkerHealthPolicy policy = round.policy;
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    PolicySettings settings = round.settings;
    PolicyReport report = PolicyReport.build(round.status, settings, plan, observed, allowedBefore, recoveryBefore,
        round.history, round.total, policy.getMetadata().getGeneration(), told.computeIfAbsent(round.key(),
            k -> new PolicyReport.Told()));
    report.suppressed().forEach(reason -> metrics.suppressed(ns, name, reason));
    report.escalated().forEach(e -> metrics.escalation(ns, name, e.rule(), e.to()));
    report.notices().forEach(n -> edge.events().on(policy, n.type(), n.reason(), n.message()));
    if (report.recheckSoon() || plan.skipped().stream().anyMatch(s -> TIME_BOUND.contains(s.reason()))) {
      // a condition building up to 'for', a cooldown or a rate limit window ends without any write: look again soon
      round.next = min(round.next, timings.recheck());
    }
    // a report goes stale without any write: look again the moment the first one does
    Instant stale = Freshness.nextStale(observed.pods(), settings.staleAfter(), round.now);
    if (stale != null) {
      round.next = min(round.next, Duration.between(round.now, stale));
    }
    if (plan.nextTry() != null) {
      // retried exactly when what held it back ends (a cooldown, a backoff, 'for', a verification window)
      Duration wait = Duration.between(round.now, plan.nextTry());
      round.next = min(round.next, wait.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : wait);
    }
    report.entered().forEach(phase -> metrics.recoveryEntered(ns, name, phase));
    metrics.recovery(ns, name, plan.recovery());
    metrics.needsAttention(ns, name, report.attention());
    metrics.pods(ns, name, plan.counts());
    metrics.rules(ns, name, settings.rules().stream().collect(Collectors.toMap(
        PolicySettings.Rule::name, r -> r.steps().stream().map(PolicySettings.Step::action)
            .collect(Collectors.toSet()), (a, b) -> a)), settings.rules().stream().collect(Collectors.toMap(
        PolicySettings.Rule::name, PolicySettings.Rule::maxNotRecovered, (a, b) -> a)));
    metrics.escalationSteps(ns, name, settings.rules().stream().filter(PolicySettings.Rule::escalating)
        .collect(Collectors.toMap(PolicySettings.Rule::name, r -> r.steps().stream().skip(1)
            .map(PolicySettings.Step::action).collect(Collectors.toSet()), (a, b) -> a)));
    StatusWriter.Result written = edge.statusWriter().write(policy, round.status);
    if (!written.stored()) {
      return retry(written);
    }
    announce(edge, policy, unannounced);
    return UpdateControl.<WorkerHealthPolicy>noUpdate().rescheduleAfter(round.next);
  }

  /** Verification results, once they are recorded in the status: metric and Event (then the list is emptied). */
  private void announce(Edge edge, WorkerHealthPolicy policy, List<Plan.Verified> verified) {
    String ns = policy.getMetadata().getNamespace();
    String name = policy.getMetadata().getName();
    for (Plan.Verified v : verified) {
      RemediationRecord r = v.record();
      if (r.getAction() == RemediationAction.None) {
        edge.events().on(policy, "Normal", "EscalationEnded", "rule " + r.getRule() + ": " + v.message());
        continue;
      }
      metrics.verification(ns, name, r.getRule(), r.getAction(), v.result());
      String what = r.getAction() == RemediationAction.ScaleTarget ? "scaling " + r.getTarget() : "restarting pod "
          + r.getPod();
      boolean ok = v.result() == VerificationResult.Recovered;
      edge.events().on(policy, ok ? "Normal" : "Warning", ok ? "RemediationRecovered" : "RemediationNotRecovered",
          what + " (rule " + r.getRule() + "): " + v.message());
    }
    verified.clear();
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

  /** Replaces the status as a whole (one JSON Patch through the status subresource), unconditionally. */
  static void writeStatus(KubernetesClient client, WorkerHealthPolicy policy, WorkerHealthPolicyStatus status) {
    StatusWriter.patch(client, policy, status);
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
