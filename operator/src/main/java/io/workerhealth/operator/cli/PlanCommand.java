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
import io.workerhealth.operator.planning.PodHealth;
import io.workerhealth.operator.planning.PolicySettings;
import io.workerhealth.operator.planning.RemediationPlanner;
import io.workerhealth.operator.reconcile.LabelSelectors;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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

  @Option(names = "--now", description = "The time to plan at (RFC 3339); default: now.")
  String now;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    KubernetesSerialization serialization = new KubernetesSerialization();
    WorkerHealthPolicy policy;
    List<WorkerHealth> healths;
    try {
      policy = serialization.unmarshal(Files.readString(policyFile), WorkerHealthPolicy.class);
      healths = readHealths(serialization, Files.readString(healthFile));
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
    Plan plan = new RemediationPlanner().plan(settings, pods, status == null ? List.of() : status.getHistory(),
        settleSince, at);
    out.println(render(plan));
    out.flush();
    return 0;
  }

  static List<WorkerHealth> readHealths(KubernetesSerialization serialization, String text) {
    List<WorkerHealth> healths = new ArrayList<>();
    for (String doc : text.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
        continue;
      }
      Map<?, ?> generic = serialization.unmarshal(doc, Map.class);
      if ("List".equals(generic.get("kind")) || String.valueOf(generic.get("kind")).endsWith("List")) {
        Object items = generic.get("items");
        if (items instanceof List<?> list) {
          for (Object item : list) {
            healths.add(serialization.convertValue(item, WorkerHealth.class));
          }
        }
      } else {
        healths.add(serialization.unmarshal(doc, WorkerHealth.class));
      }
    }
    return healths;
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
    }
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
