package io.workerhealth.sidecar.scrape;

import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.sidecar.format.ParsedHealth;
import java.time.Duration;

/** What one scrape produced: worker states, or why there are none. */
public sealed interface ScrapeOutcome {

  /** HTTP status of the response, or null when none arrived. */
  Integer httpStatus();

  /** How long the scrape took. */
  Duration took();

  record Success(ParsedHealth health, Integer httpStatus, Duration took) implements ScrapeOutcome {}

  record Failure(ScrapeError error, Integer httpStatus, Duration took) implements ScrapeOutcome {}
}
