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
 * The health of the workers of one pod, as its sidecar last scraped it. Named after the pod, owned by it (so it is
 * garbage collected with it) and labelled with the pod's labels (so policies can select it).
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Kind("WorkerHealth")
@Plural("workerhealths")
@Singular("workerhealth")
@ShortNames("wh")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Workers", jsonPath = ".status.ready", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Failing", jsonPath = ".status.failing", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Last-Report", jsonPath = ".status.lastScrapeTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Format", jsonPath = ".status.format", type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Error", jsonPath = ".status.scrapeError.reason", type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
public class WorkerHealth extends CustomResource<WorkerHealthSpec, WorkerHealthStatus> implements Namespaced {

  @Override
  protected WorkerHealthSpec initSpec() {
    return new WorkerHealthSpec();
  }

  @Override
  protected WorkerHealthStatus initStatus() {
    return new WorkerHealthStatus();
  }
}
