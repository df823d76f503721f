package io.workerhealth.demo.scenario;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicyStatus;
import io.workerhealth.demo.view.ClusterView;
import io.workerhealth.demo.view.Narration;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What scenarios act on and look at: the demo's namespace, its pods (with fault injection into their apps), the
 * policy, and the view that prints what kubectl would show. Waiting here keeps the view printing as things change.
 */
public final class DemoStage {

  private static final Duration POLL = Duration.ofMillis(250);

  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, String> podSelector;
  private final String policyName;
  private final Duration ruleFor;
  private final Supplier<List<String>> runningPods;
  private final FaultInjector faults;
  private final ClusterView view;
  private final Narration narration;
  private final Clock clock;

  /** The message broker the pods' consumers depend on: stop it (an outage) and start it again. */
  public interface Broker {
    void stop();

    void start();

    String address();
  }

  private Broker broker;

  /** The broker the demo's apps use; scenarios that take it down need it. */
  public DemoStage withBroker(Broker broker) {
    this.broker = broker;
    return this;
  }

  public java.time.Instant now() {
    return clock.instant();
  }

  public Broker broker() {
    if (broker == null) {
      throw new IllegalStateException("this stage has no broker");
    }
    return broker;
  }

  /** Calls a fault endpoint of the sample app in one pod; returns the URL it called. */
  @FunctionalInterface
  public interface FaultInjector {
    String post(String pod, String pathAndQuery);
  }

  public DemoStage(KubernetesClient client, String namespace, Map<String, String> podSelector, String policyName,
                   Duration ruleFor, Supplier<List<String>> runningPods, FaultInjector faults, ClusterView view,
                   Narration narration, Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.podSelector = podSelector;
    this.policyName = policyName;
    this.ruleFor = ruleFor;
    this.runningPods = runningPods;
    this.faults = faults;
    this.view = view;
    this.narration = narration;
    this.clock = clock;
  }

  // --- acting

  public void say(String line) {
    narration.say(line);
  }

  /** Injects a fault into one pod's app, and says so as the curl a user would type. */
  public void fault(String pod, String pathAndQuery) {
    String url = faults.post(pod, pathAndQuery);
    narration.say("$ curl -X POST '" + url + "'   # pod " + pod);
  }

  /** Shows a command a user would type, and what it printed (or, for a heredoc, what it was given). */
  public void command(String command, String output) {
    narration.command(command, output);
  }

  public void showTables() {
    view.showTables();
  }

  // --- expecting

  /**
   * Waits until {@code condition} holds, printing what changes meanwhile.
   *
   * @throws ExpectationFailed after {@code within}, with the state of the namespace
   */
  public void expect(String expectation, Duration within, BooleanSupplier condition) throws InterruptedException {
    Instant start = clock.instant();
    Instant deadline = start.plus(within);
    while (true) {
      view.refresh();
      if (holds(condition)) {
        narration.say("ok: " + expectation + " (" + seconds(Duration.between(start, clock.instant())) + ")");
        return;
      }
      if (clock.instant().isAfter(deadline)) {
        throw new ExpectationFailed(expectation + " (within " + seconds(within) + ")", describe());
      }
      Thread.sleep(POLL.toMillis()); // real time: the sidecars and the operator run on the system clock
    }
  }

  /**
   * Checks that {@code condition} keeps holding for {@code duration}, printing what changes meanwhile.
   *
   * @throws ExpectationFailed as soon as it does not hold
   */
  public void keeps(String expectation, Duration duration, BooleanSupplier condition) throws InterruptedException {
    Instant end = clock.instant().plus(duration);
    while (clock.instant().isBefore(end)) {
      view.refresh();
      if (!holds(condition)) {
        throw new ExpectationFailed(expectation + " (for " + seconds(duration) + ")", describe());
      }
      Thread.sleep(POLL.toMillis());
    }
    narration.say("ok: " + expectation + " (for " + seconds(duration) + ")");
  }

  private static boolean holds(BooleanSupplier condition) {
    try {
      return condition.getAsBoolean();
    } catch (RuntimeException e) {
      return false; // e.g. an object not there yet
    }
  }

  /** The namespace as kubectl would show it, for a failed expectation. */
  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append("pods: ").append(pods().stream().map(p -> p.getMetadata().getName()).toList()).append('\n');
    for (WorkerHealth wh : healths()) {
      s.append("workerhealth ").append(wh.getMetadata().getName()).append(": ")
          .append(wh.getStatus() == null ? "no status" : wh.getStatus().getPhase() + " " + wh.getStatus().getReady()
              + " failing=" + wh.getStatus().getFailing())
          .append('\n');
    }
    policyStatus().ifPresentOrElse(st -> {
      s.append("policy ").append(policyName).append(": selected=").append(st.getSelectedPods())
          .append(" healthy=").append(st.getHealthyPods()).append(" failing=").append(st.getFailingPods()).append('\n');
      st.getConditions().forEach(c -> s.append("  condition ").append(c.getType()).append('=').append(c.getStatus())
          .append(' ').append(c.getReason()).append(": ").append(c.getMessage()).append('\n'));
      st.getHistory().forEach(r -> s.append("  history ").append(r.getTime()).append(' ').append(r.getAction())
          .append(' ').append(r.getPod()).append(' ').append(r.getOutcome()).append(": ").append(r.getMessage())
          .append('\n'));
    }, () -> s.append("policy ").append(policyName).append(": no status\n"));
    events().forEach(e -> s.append("event ").append(e.getReason()).append(": ").append(e.getMessage()).append('\n'));
    return s.toString();
  }

  // --- looking

  public Duration ruleFor() {
    return ruleFor;
  }

  public String policyName() {
    return policyName;
  }

  public List<String> runningPods() {
    return runningPods.get();
  }

  public List<Pod> pods() {
    return client.pods().inNamespace(namespace).withLabels(podSelector).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  public List<String> podNames() {
    return pods().stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  public List<WorkerHealth> healths() {
    return client.resources(WorkerHealth.class).inNamespace(namespace).list().getItems();
  }

  public Optional<WorkerHealth> health(String pod) {
    return Optional.ofNullable(client.resources(WorkerHealth.class).inNamespace(namespace).withName(pod).get());
  }

  public Optional<WorkerHealthPolicyStatus> policyStatus() {
    WorkerHealthPolicy policy = client.resources(WorkerHealthPolicy.class).inNamespace(namespace).withName(policyName)
        .get();
    return Optional.ofNullable(policy).map(WorkerHealthPolicy::getStatus);
  }

  public Optional<Condition> policyCondition(String type) {
    return policyStatus().flatMap(s -> s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst());
  }

  public List<Event> events() {
    return client.v1().events().inNamespace(namespace).list().getItems();
  }

  public List<Event> events(String reason) {
    return events().stream().filter(e -> reason.equals(e.getReason())).toList();
  }

  /** Changes the policy, e.g. to add a rule a scenario needs. */
  public void editPolicy(Consumer<WorkerHealthPolicy> change) {
    client.resources(WorkerHealthPolicy.class).inNamespace(namespace).withName(policyName).edit(p -> {
      change.accept(p);
      return p;
    });
  }

  public KubernetesClient client() {
    return client;
  }

  public String namespace() {
    return namespace;
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }
}
