package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.SourceFormat;
import java.util.List;

/**
 * A health body read by one format, already bounded (see {@link HealthFormats}).
 *
 * @param format           the format that read it
 * @param overallRawStatus the app's overall status word, or null when the format has none
 * @param workers          the workers, in the app's order, at most 256, names unique
 * @param droppedWorkers   how many workers were beyond the limit and dropped
 */
public record ParsedHealth(SourceFormat format, String overallRawStatus, List<WorkerReading> workers,
                           int droppedWorkers) {

  public ParsedHealth {
    workers = List.copyOf(workers);
  }
}
