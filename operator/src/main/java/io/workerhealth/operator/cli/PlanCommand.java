package io.workerhealth.operator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.workerhealth.api.v1alpha1.ApiGroup;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import io.workerhealth.operator.planning.InvalidPolicyException;
import io.workerhealth.operator.planning.Plan;
import io.workerhealth.api.v1alpha1.ScaleTargetRef;
import io.workerhealth.operator.planning.DependencyObservation;
import io.workerhealth.operator.planning.PolicyDecision;
import io.workerhealth.operator.planning.PolicyObservation;
import io.workerhealth.operator.planning.UnreportedPod;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
import io.workerhealth.operator.planning.ReportTimes;
import io.workerhealth.operator.reconcile.LabelSelectors;
import io.workerhealth.operator.validation.PolicyValidator;
import io.workerhealth.operator.validation.Yaml;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs the planner offline, like {@code promtool test rules}: what would the operator do with this policy and these
 * WorkerHealths? No cluster is contacted.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = "Show what a WorkerHealthPolicy would do with the given WorkerHealths, without a cluster.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:planned (actions may be empty)",
        "1:an unexpected failure (a bug: please report the message)",
        "2:bad input: an option, an unreadable or empty file, a document that is not what was asked for, or a policy "
            + "the API server would reject or the operator would report InvalidSpec"})
public final class PlanCommand implements Callable<Integer> {

  /** Exit code for bad input of any kind (picocli uses it for bad options too). */
  static final int BAD_INPUT = 2;
  /** Exit code for an unexpected failure: reported in one line, never as a stack trace. */
  static final int FAILED = 1;

  @Spec
  CommandSpec spec;

  @Option(names = "--policy", required = true,
      description = "The WorkerHealthPolicy (YAML or JSON); its status, if present, is the remediation history.")
  Path policyFile;

  @Option(names = "--health", required = true,
      description = "WorkerHealths: what 'kubectl get wh -o yaml' prints (a List), one resource, or several YAML "
          + "documents; up to 256 MiB.")
  Path healthFile;

  @Option(names = "--targets",
      description = "The scale targets' current state for ScaleTarget rules: what 'kubectl get deploy,sts,hpa,"
          + "scaledobjects -o yaml' prints (a List, one resource, or several YAML documents). "
          + "HorizontalPodAutoscalers and KEDA ScaledObjects in it mark the targets they drive.")
  Path targetsFile;

  @Option(names = "--pods",
      description = "The pods, and for rollouts their ReplicaSets, Deployments and StatefulSets: what 'kubectl get "
          + "pods,rs,deploy,sts -o yaml' prints. With it plan decides as the operator does: cooldowns per workload "
          + "slot (a pod's ReplicaSet), bare pods, rollouts in progress, pods that never reported. Without it every "
          + "pod is its own slot and has a controller.")
  Path podsFile;

  @Option(names = "--dependency", description = "For a policy with recovery.dependency: what the operator's check "
      + "would find, up or down; default: not checked (the hold waits for it).")
  String dependency;

  @Option(names = "--now", description = "The time to plan at (RFC 3339, e.g. 2026-01-01T12:00:00Z); default: now.")
  String now;

  /** Bad input: the message says what and where, in one line. */
  static final class BadInput extends Exception {
    BadInput(String message) {
      super(message);
    }
  }

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      return plan();
    } catch (BadInput e) {
      err.println(e.getMessage());
      return BAD_INPUT;
    } catch (RuntimeException | Error e) {
      // a bug, not bad input: one line that can be reported, no stack trace in a CI log
      err.println("plan failed unexpectedly: " + e.getClass().getSimpleName() + ": " + Yaml.oneLine(e));
      return FAILED;
    } finally {
      err.flush();
    }
  }

  private int plan() throws BadInput {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    KubernetesSerialization serialization = new KubernetesSerialization();
    Instant at = Instant.now();
    if (now != null) {
      at = ReportTimes.parse(now);
      if (at == null) {
        throw new BadInput("--now '" + now + "' is not an RFC 3339 time like 2026-01-01T12:00:00Z");
      }
    }
    JsonNode policyDoc = onlyDocument(policyFile, read(policyFile));
    if (!"WorkerHealthPolicy".equals(policyDoc.path("kind").asText("WorkerHealthPolicy"))) {
      throw new BadInput(policyFile + ": a " + policyDoc.path("kind").asText() + ", not a WorkerHealthPolicy");
    }
    List<String> rejected = PolicyValidator.load().apiServerErrors(policyDoc);
    if (!rejected.isEmpty()) {
      err.println("invalid policy: the API server would reject " + policyFile + ":");
      rejected.forEach(r -> err.println("  " + r));
      return BAD_INPUT;
    }
    WorkerHealthPolicy policy = convert(serialization, policyDoc, WorkerHealthPolicy.class, policyFile.toString());
    PolicySettings settings;
    try {
      settings = PolicySettings.from(policy.getSpec());
    } catch (InvalidPolicyException e) {
      err.println("invalid policy: the operator would report InvalidSpec for " + policyFile + ":");
      e.problems().forEach(p -> err.println("  " + p));
      return BAD_INPUT;
    }
    List<WorkerHealth> healths = readHealths(serialization, healthFile, read(healthFile));
    List<Map<?, ?>> targetObjects = targetsFile == null ? List.of()
        : readObjects(serialization, targetsFile, read(targetsFile));
    DependencyObservation checked = null;
    if (dependency != null) {
      if (!dependency.equals("up") && !dependency.equals("down")) {
        throw new BadInput("--dependency '" + dependency + "': up or down");
      }
      checked = new DependencyObservation(dependency.equals("up"), "--dependency " + dependency, at);
    }
    ClusterPods cluster = podsFile == null ? null
        : ClusterPods.of(serialization, podsFile, readResources(podsFile, read(podsFile)));
    List<PodHealth> pods = new ArrayList<>();
    java.util.Set<String> reported = new java.util.HashSet<>();
    for (WorkerHealth wh : healths) {
      Map<String, String> labels = wh.getMetadata().getLabels() == null ? Map.of() : wh.getMetadata().getLabels();
      if (!LabelSelectors.matches(policy.getSpec().getSelector(), labels)) {
        continue;
      }
      reported.add(wh.getMetadata().getName());
      String uid = wh.getMetadata().getOwnerReferences() == null ? null : wh.getMetadata().getOwnerReferences()
          .stream().filter(o -> "Pod".equals(o.getKind())).map(o -> o.getUid()).findFirst().orElse(null);
      PodHealth health = new PodHealth(wh.getMetadata().getName(), uid == null ? wh.getMetadata().getName() : uid,
          "Pod/" + wh.getMetadata().getName(), "true".equals(labels.get(ApiGroup.EXCLUDE_LABEL)),
          wh.getSpec() == null ? null : wh.getSpec().getIntervalSeconds(), wh.getStatus(),
          ReportTimes.parse(wh.getMetadata().getCreationTimestamp()), null, null);
      pods.add(cluster == null ? health : cluster.complete(health, wh.getMetadata().getNamespace()));
    }
    List<UnreportedPod> unreported = cluster == null ? List.of()
        : cluster.unreported(policy.getSpec().getSelector(), policy.getMetadata().getNamespace(), reported);
    var status = policy.getStatus();
    if (status != null) {
      // the status is the operator's own record; a hand-edited one may hold empty items, which mean nothing
      status.setHistory(withoutNulls(status.getHistory()));
      status.setEffectiveness(withoutNulls(status.getEffectiveness()));
      status.setScaleTargets(withoutNulls(status.getScaleTargets()));
      status.setConditions(withoutNulls(status.getConditions()));
    }
    Map<String, ScaleTargetObservation> targets = new LinkedHashMap<>();
    for (PolicySettings.Rule rule : settings.rules()) {
      if (rule.scale() != null) {
        targets.put(rule.scale().target(), observe(rule.scale().targetRef(), targetObjects));
      }
    }
    // the same derivation from the status as the operator's
    Plan plan = PolicyDecision.decide(new RemediationPlanner(), settings, status,
        new PolicyObservation(at, pods, targets, unreported, checked), policy.getMetadata().getGeneration()).plan();
    if (cluster == null) {
      err.println("note: without --pods every pod is its own workload slot and has a controller; the operator keeps "
          + "cooldowns per ReplicaSet, never evicts bare pods, waits for rollouts and counts pods that never "
          + "reported: pass 'kubectl get pods,rs,deploy,sts -o yaml' as --pods to decide as it does");
    }
    out.println(render(plan));
    out.flush();
    return 0;
  }

  private static <T> List<T> withoutNulls(List<T> list) {
    return list == null ? new ArrayList<>()
        : new ArrayList<>(list.stream().filter(java.util.Objects::nonNull).toList());
  }

  /** The file's text: missing, unreadable, too large or empty files are bad input. */
  static String read(Path file) throws BadInput {
    try {
      if (Files.size(file) > Yaml.MAX_CHARS) {
        throw new BadInput(file + ": larger than " + (Yaml.MAX_CHARS >> 20) + " MiB, the most plan reads");
      }
      String text = Files.readString(file);
      if (text.isBlank()) {
        throw new BadInput(file + ": the file is empty");
      }
      return text;
    } catch (java.nio.file.NoSuchFileException e) {
      throw new BadInput(file + ": no such file");
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      throw new BadInput(file + ": cannot be read: " + Yaml.oneLine(e));
    }
  }

  private static List<JsonNode> documents(Path file, String text) throws BadInput {
    try {
      List<JsonNode> docs = Yaml.documents(text);
      if (docs.isEmpty()) {
        throw new BadInput(file + ": no YAML document in it");
      }
      return docs;
    } catch (IllegalArgumentException e) {
      throw new BadInput(file + ": " + e.getMessage());
    }
  }

  private static JsonNode onlyDocument(Path file, String text) throws BadInput {
    List<JsonNode> docs = documents(file, text);
    if (docs.size() != 1 || !docs.get(0).isObject()) {
      throw new BadInput(file + ": expected one resource, found " + (docs.size() != 1 ? docs.size() + " documents"
          : "a " + docs.get(0).getNodeType().name().toLowerCase()));
    }
    return docs.get(0);
  }

  private static <T> T convert(KubernetesSerialization serialization, Object value, Class<T> type, String where)
      throws BadInput {
    try {
      return serialization.convertValue(value, type);
    } catch (RuntimeException e) {
      throw new BadInput(where + ": not a " + type.getSimpleName() + ": " + Yaml.oneLine(e));
    }
  }

  static List<WorkerHealth> readHealths(KubernetesSerialization serialization, Path file, String text)
      throws BadInput {
    List<WorkerHealth> healths = new ArrayList<>();
    List<JsonNode> objects = readResources(file, text);
    for (int i = 0; i < objects.size(); i++) {
      JsonNode object = objects.get(i);
      String kind = object.path("kind").asText(null);
      if (kind != null && !"WorkerHealth".equals(kind)) {
        throw new BadInput(file + ": resource " + (i + 1) + " is a " + kind + ", not a WorkerHealth");
      }
      WorkerHealth wh = convert(serialization, object, WorkerHealth.class, file + ": resource " + (i + 1));
      if (wh.getMetadata() == null || wh.getMetadata().getName() == null) {
        throw new BadInput(file + ": resource " + (i + 1) + " has no metadata.name");
      }
      if (wh.getStatus() != null) {
        if (wh.getStatus().getWorkers() == null) {
          wh.getStatus().setWorkers(new ArrayList<>());
        }
        for (int w = 0; w < wh.getStatus().getWorkers().size(); w++) {
          if (wh.getStatus().getWorkers().get(w) == null || wh.getStatus().getWorkers().get(w).getName() == null) {
            // the API server refuses both (workers are keyed by name)
            throw new BadInput(file + ": WorkerHealth " + wh.getMetadata().getName() + ": status.workers[" + w
                + "] " + (wh.getStatus().getWorkers().get(w) == null ? "is empty" : "has no name"));
          }
        }
      }
      healths.add(wh);
    }
    return healths;
  }

  /** The objects of a YAML/JSON text as maps: several documents, each one object or a List of them. */
  static List<Map<?, ?>> readObjects(KubernetesSerialization serialization, Path file, String text)
      throws BadInput {
    List<Map<?, ?>> objects = new ArrayList<>();
    for (JsonNode resource : readResources(file, text)) {
      objects.add(serialization.convertValue(resource, Map.class));
    }
    return objects;
  }

  /** The resources of a YAML/JSON text: several documents, each one resource or a List of them. */
  static List<JsonNode> readResources(Path file, String text) throws BadInput {
    List<JsonNode> objects = new ArrayList<>();
    List<JsonNode> docs = documents(file, text);
    for (int d = 0; d < docs.size(); d++) {
      JsonNode doc = docs.get(d);
      String where = file + (docs.size() > 1 ? " (document " + (d + 1) + ")" : "");
      if (!doc.isObject()) {
        throw new BadInput(where + ": expected a resource or a List, found a " + doc.getNodeType().name()
            .toLowerCase());
      }
      if (doc.path("kind").asText("").endsWith("List")) {
        JsonNode items = doc.path("items");
        if (!items.isArray() && !items.isMissingNode() && !items.isNull()) {
          throw new BadInput(where + ": items is not a list");
        }
        for (int i = 0; i < items.size(); i++) {
          if (!items.get(i).isObject()) {
            throw new BadInput(where + ": items[" + i + "] is " + (items.get(i).isNull() ? "empty"
                : "a " + items.get(i).getNodeType().name().toLowerCase() + ", not a resource"));
          }
          objects.add(items.get(i));
        }
      } else {
        objects.add(doc);
      }
    }
    return objects;
  }

  /** A scale target as the --targets file shows it: spec.replicas (default 1), and the autoscaler driving it. */
  static ScaleTargetObservation observe(ScaleTargetRef ref, List<Map<?, ?>> objects) {
    String key = ref.key();
    Integer replicas = null;
    String drivenBy = null;
    for (Map<?, ?> o : objects) {
      String kind = String.valueOf(o.get("kind"));
      Map<?, ?> metadata = o.get("metadata") instanceof Map<?, ?> m ? m : Map.of();
      Map<?, ?> spec = o.get("spec") instanceof Map<?, ?> m ? m : Map.of();
      if (kind.equals(ref.getKind()) && ref.getName().equals(metadata.get("name"))) {
        replicas = spec.get("replicas") instanceof Number n ? n.intValue() : 1;
      } else if (kind.equals("HorizontalPodAutoscaler") || kind.equals("ScaledObject")) {
        Map<?, ?> target = spec.get("scaleTargetRef") instanceof Map<?, ?> m ? m : Map.of();
        String targetKind = String.valueOf(target.get("kind") == null && kind.equals("ScaledObject") ? "Deployment"
            : target.get("kind"));
        if (targetKind.equals(ref.getKind()) && ref.getName().equals(target.get("name"))) {
          drivenBy = kind + "/" + metadata.get("name");
        }
      }
    }
    if (replicas == null) {
      return new ScaleTargetObservation(key, null, null, key + " is not in --targets");
    }
    return new ScaleTargetObservation(key, replicas, drivenBy, null);
  }

  static String render(Plan plan) {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    ArrayNode actions = root.putArray("actions");
    for (Plan.Decision d : plan.actions()) {
      ObjectNode a = actions.addObject();
      a.put("action", d.action().name());
      a.put("pod", d.pod());
      a.put("worker", d.worker());
      a.put("rule", d.rule());
      a.put("reason", d.reason());
      a.put("dryRun", d.dryRun());
      if (d.recovery() != null) {
        a.put("recovery", d.recovery().name());
      }
      if (d.step() != null) {
        a.put("step", d.step());
      }
      if (d.target() != null) {
        a.put("target", d.target());
        a.put("fromReplicas", d.fromReplicas());
        a.put("replicas", d.toReplicas());
      }
    }
    ArrayNode escalations = root.putArray("escalations");
    for (Plan.Escalation e : plan.escalations()) {
      ObjectNode x = escalations.addObject();
      x.put("rule", e.rule());
      x.put("worker", e.worker());
      x.put("slot", e.slot());
      x.put("from", e.from().name());
      x.put("to", e.to().name());
      x.put("reason", e.reason());
    }
    ArrayNode attention = root.putArray("needsAttention");
    plan.attention().forEach(a -> attention.add(a.reason().name() + ": " + a.message()));
    ArrayNode targetProblems = root.putArray("targetProblems");
    plan.targetProblems().forEach(t -> targetProblems.add(t.reason().name() + ": " + t.message()));
    ArrayNode skipped = root.putArray("skipped");
    for (Plan.Skip s : plan.skipped()) {
      ObjectNode k = skipped.addObject();
      k.put("pod", s.pod());
      k.put("worker", s.worker());
      k.put("rule", s.rule());
      k.put("reason", s.reason().name() + ": " + s.message());
    }
    ObjectNode counts = root.putObject("pods");
    counts.put("selected", plan.counts().selected());
    counts.put("healthy", plan.counts().healthy());
    counts.put("failing", plan.counts().failing());
    counts.put("unknown", plan.counts().unknown());
    counts.put("notReporting", plan.counts().notReporting());
    ArrayNode notReporting = root.putArray("notReporting");
    plan.notReporting().forEach(notReporting::add);
    ArrayNode rollouts = root.putArray("rolloutsInProgress");
    plan.rollouts().forEach(rollouts::add);
    ArrayNode holdsEnded = root.putArray("holdsEnded");
    plan.holdsEnded().forEach(h -> holdsEnded.add(h.message()));
    if (plan.recovery() != null) {
      ObjectNode recovery = root.putObject("recovery");
      recovery.put("phase", plan.recovery().getPhase().name());
      recovery.put("heldSince", plan.recovery().getHeldSince());
      recovery.put("nextTryTime", plan.recovery().getNextTryTime());
      recovery.put("message", plan.recovery().getMessage());
    }
    root.put("remediationAllowed", plan.remediationAllowed());
    if (plan.nextTry() != null) {
      root.put("nextTry", plan.nextTry().toString());
    }
    try {
      return json.writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

}
