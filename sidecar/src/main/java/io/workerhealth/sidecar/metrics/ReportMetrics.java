package io.workerhealth.sidecar.metrics;

import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;

/**
 * What the scrape-and-report loop records about one target: each scrape with the status it led to, and each status
 * write. The sidecar records into its own metrics; the node agent into its per-agent metrics and per-pod series.
 */
public interface ReportMetrics {

  void recordScrape(ScrapeOutcome outcome, WorkerHealthStatus status);

  void reportWrite(boolean success);
}
