package io.workerhealth.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * What to do when named workers of the selected pods stay unhealthy, and the limits that keep it safe. Reconciled by
 * the operator, which records its decisions and their outcomes in the status.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("WorkerHealthPolicy")
@Plural("workerhealthpolicies")
@Singular("workerhealthpolicy")
@ShortNames("whp")
@AdditionalPrinterColumn(name = "Selected", jsonPath = ".status.selectedPods", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Healthy", jsonPath = ".status.healthyPods", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Failing", jsonPath = ".status.failingPods", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Remediation-Allowed",
    jsonPath = ".status.conditions[?(@.type==\"RemediationAllowed\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Last-Remediation", jsonPath = ".status.lastRemediationTime",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"RemediationAllowed\")].reason",
    type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Recovery", jsonPath = ".status.recovery.phase", type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Next-Try", jsonPath = ".status.recovery.nextTryTime",
    type = AdditionalPrinterColumn.Type.STRING, priority = 1)
public class WorkerHealthPolicy extends CustomResource<WorkerHealthPolicySpec, WorkerHealthPolicyStatus>
    implements Namespaced {

  @Override
  protected WorkerHealthPolicySpec initSpec() {
    return new WorkerHealthPolicySpec();
  }

  @Override
  protected WorkerHealthPolicyStatus initStatus() {
    return new WorkerHealthPolicyStatus();
  }
}
