package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What the sidecar last observed. Written only by the sidecar, through the status subresource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class WorkerHealthStatus {

  /** At most this many workers are reported; the rest are dropped and counted in {@code droppedWorkers}. */
  public static final int MAX_WORKERS = 256;

  @JsonPropertyDescription("Overall state: Healthy, Degraded, Failed, Unreachable (endpoint could not be scraped) "
      + "or Unknown.")
  private HealthPhase phase;

  @JsonPropertyDescription("Format the last successful scrape was read as.")
  private SourceFormat format;

  @Min(0)
  @Max(999)
  @JsonPropertyDescription("HTTP status of the last scrape (absent when no response arrived).")
  private Integer httpStatus;

  @JsonPropertyDescription("Time of the scrape this report reflects (RFC 3339).")
  private String lastScrapeTime;

  @JsonPropertyDescription("Time of the last scrape that produced worker states (RFC 3339).")
  private String lastSuccessfulScrapeTime;

  @JsonPropertyDescription("Why the last scrape failed; absent when it succeeded.")
  private ScrapeError scrapeError;

  @Min(0)
  @JsonPropertyDescription("Scrapes that failed in a row.")
  private Integer consecutiveFailures;

  @Size(max = MAX_WORKERS)
  @ListMapKeys("name")
  @JsonPropertyDescription("Workers, keyed by name.")
  private List<WorkerState> workers = new ArrayList<>();

  @Min(0)
  @JsonPropertyDescription("Workers the app reported beyond the limit of 256, not listed.")
  private Integer droppedWorkers;

  @JsonPropertyDescription("Healthy workers / all workers, e.g. 3/4.")
  private String ready;

  @JsonPropertyDescription("Names of the workers that are not healthy, comma separated (shortened when long).")
  private String failing;

  public HealthPhase getPhase() {
    return phase;
  }

  public void setPhase(HealthPhase phase) {
    this.phase = phase;
  }

  public SourceFormat getFormat() {
    return format;
  }

  public void setFormat(SourceFormat format) {
    this.format = format;
  }

  public Integer getHttpStatus() {
    return httpStatus;
  }

  public void setHttpStatus(Integer httpStatus) {
    this.httpStatus = httpStatus;
  }

  public String getLastScrapeTime() {
    return lastScrapeTime;
  }

  public void setLastScrapeTime(String lastScrapeTime) {
    this.lastScrapeTime = lastScrapeTime;
  }

  public String getLastSuccessfulScrapeTime() {
    return lastSuccessfulScrapeTime;
  }

  public void setLastSuccessfulScrapeTime(String lastSuccessfulScrapeTime) {
    this.lastSuccessfulScrapeTime = lastSuccessfulScrapeTime;
  }

  public ScrapeError getScrapeError() {
    return scrapeError;
  }

  public void setScrapeError(ScrapeError scrapeError) {
    this.scrapeError = scrapeError;
  }

  public Integer getConsecutiveFailures() {
    return consecutiveFailures;
  }

  public void setConsecutiveFailures(Integer consecutiveFailures) {
    this.consecutiveFailures = consecutiveFailures;
  }

  public List<WorkerState> getWorkers() {
    return workers;
  }

  public void setWorkers(List<WorkerState> workers) {
    this.workers = workers == null ? new ArrayList<>() : workers;
  }

  public Integer getDroppedWorkers() {
    return droppedWorkers;
  }

  public void setDroppedWorkers(Integer droppedWorkers) {
    this.droppedWorkers = droppedWorkers;
  }

  public String getReady() {
    return ready;
  }

  public void setReady(String ready) {
    this.ready = ready;
  }

  public String getFailing() {
    return failing;
  }

  public void setFailing(String failing) {
    this.failing = failing;
  }

  /** The worker of that name, if reported. */
  @JsonIgnore
  public Optional<WorkerState> worker(String name) {
    return workers.stream().filter(w -> w.getName().equals(name)).findFirst();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WorkerHealthStatus s
        && phase == s.phase
        && format == s.format
        && Objects.equals(httpStatus, s.httpStatus)
        && Objects.equals(lastScrapeTime, s.lastScrapeTime)
        && Objects.equals(lastSuccessfulScrapeTime, s.lastSuccessfulScrapeTime)
        && Objects.equals(scrapeError, s.scrapeError)
        && Objects.equals(consecutiveFailures, s.consecutiveFailures)
        && Objects.equals(workers, s.workers)
        && Objects.equals(droppedWorkers, s.droppedWorkers)
        && Objects.equals(ready, s.ready)
        && Objects.equals(failing, s.failing);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, format, httpStatus, lastScrapeTime, lastSuccessfulScrapeTime, scrapeError,
        consecutiveFailures, workers, droppedWorkers, ready, failing);
  }
}
