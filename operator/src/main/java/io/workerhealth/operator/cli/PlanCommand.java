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
import io.workerhealth.operator.planning.PlanInputs;
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.ScaleTargetObservation;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
import io.workerhealth.operator.reconcile.LabelSelectors;
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
    exitCodeList = {"0:planned (actions may be empty)", "2:the input could not be read or the policy is invalid"})
public final class PlanCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--policy", required = true,
      description = "The WorkerHealthPolicy (YAML or JSON); its status, if present, is the remediation history.")
  Path policyFile;

  @Option(names = "--health", required = true,
      description = "WorkerHealths: what 'kubectl get wh -o yaml' prints (a List), one resource, or several YAML documents.")
  Path healthFile;

  @Option(names = "--targets",
      description = "The scale targets' current state for ScaleTarget rules: what 'kubectl get deploy,sts,hpa,"
          + "scaledobjects -o yaml' prints (a List, one resource, or several YAML documents). "
          + "HorizontalPodAutoscalers and KEDA ScaledObjects in it mark the targets they drive.")
  Path targetsFile;

  @Option(names = "--now", description = "The time to plan at (RFC 3339); default: now.")
  String now;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    KubernetesSerialization serialization = new KubernetesSerialization();
    WorkerHealthPolicy policy;
    List<WorkerHealth> healths;
    List<Map<?, ?>> targetObjects;
    try {
      policy = serialization.unmarshal(Files.readString(policyFile), WorkerHealthPolicy.class);
      healths = readHealths(serialization, Files.readString(healthFile));
      targetObjects = targetsFile == null ? List.of() : readObjects(serialization, Files.readString(targetsFile));
    } catch (Exception e) {
      err.println("cannot read input: " + e.getMessage());
      return 2;
    }
    PolicySettings settings;
    try {
      settings = PolicySettings.from(policy.getSpec());
    } catch (InvalidPolicyException e) {
      err.println("invalid policy: " + e.getMessage());
      return 2;
    }
    Instant at = now == null ? Instant.now() : Instant.parse(now);
    List<PodHealth> pods = new ArrayList<>();
    for (WorkerHealth wh : healths) {
      Map<String, String> labels = wh.getMetadata().getLabels() == null ? Map.of() : wh.getMetadata().getLabels();
      if (!LabelSelectors.matches(policy.getSpec().getSelector(), labels)) {
        continue;
      }
      String uid = wh.getMetadata().getOwnerReferences() == null ? null : wh.getMetadata().getOwnerReferences()
          .stream().filter(o -> "Pod".equals(o.getKind())).map(o -> o.getUid()).findFirst().orElse(null);
      pods.add(new PodHealth(wh.getMetadata().getName(), uid == null ? wh.getMetadata().getName() : uid,
          "Pod/" + wh.getMetadata().getName(), "true".equals(labels.get(ApiGroup.EXCLUDE_LABEL)),
          wh.getSpec() == null ? null : wh.getSpec().getIntervalSeconds(), wh.getStatus()));
    }
    var status = policy.getStatus();
    Instant settleSince = null;
    if (status != null) {
      var allowed = status.getConditions().stream().filter(c -> c.getType().equals("RemediationAllowed")).findFirst();
      if (allowed.isPresent() && "False".equals(allowed.get().getStatus())
          && "TooManyUnhealthy".equals(allowed.get().getReason())) {
        settleSince = at;
      } else if (status.getSuppressionEndedTime() != null) {
        settleSince = Instant.parse(status.getSuppressionEndedTime());
      }
    }
    Map<String, ScaleTargetObservation> targets = new LinkedHashMap<>();
    for (PolicySettings.Rule rule : settings.rules()) {
      if (rule.scale() != null) {
        targets.put(rule.scale().target(), observe(rule.scale().targetRef(), targetObjects));
      }
    }
    Plan plan = new RemediationPlanner().plan(settings, new PlanInputs(pods,
        status == null ? List.of() : status.getHistory(), settleSince,
        status == null ? List.of() : status.getEffectiveness(), status == null ? List.of() : status.getScaleTargets(),
        targets, RemediationPlanner.outage(settings, pods, at) ? at
            : status == null || status.getLastOutageTime() == null ? null : Instant.parse(status.getLastOutageTime())),
        at);
    out.println(render(plan));
    out.flush();
    return 0;
  }

  static List<WorkerHealth> readHealths(KubernetesSerialization serialization, String text) {
    List<WorkerHealth> healths = new ArrayList<>();
    for (Map<?, ?> object : readObjects(serialization, text)) {
      healths.add(serialization.convertValue(object, WorkerHealth.class));
    }
    return healths;
  }

  /** The objects of a YAML/JSON text: several documents, each one object or a List of them. */
  static List<Map<?, ?>> readObjects(KubernetesSerialization serialization, String text) {
    List<Map<?, ?>> objects = new ArrayList<>();
    for (String doc : text.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      Map<?, ?> generic = serialization.unmarshal(doc, Map.class);
      if ("List".equals(generic.get("kind")) || String.valueOf(generic.get("kind")).endsWith("List")) {
        Object items = generic.get("items");
        if (items instanceof List<?> list) {
          for (Object item : list) {
            if (item instanceof Map<?, ?> m) {
              objects.add(m);
            }
          }
        }
      } else {
        objects.add(generic);
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

  static String render(Plan plan) throws Exception {
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
    root.put("remediationAllowed", plan.remediationAllowed());
    return json.writeValueAsString(root);
  }

}
