package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.SourceFormat;
import java.util.List;

/**
 * A health body read by one format, already bounded (see {@link WorkerCollector}).
 *
 * @param format           the format that read it
 * @param overallRawStatus the app's overall status word, or null when the format has none
 * @param workers          the workers, in the app's order (the synthetic {@value #OVERALL_WORKER} first when
 *                         present), at most 256, names unique
 * @param droppedWorkers   how many workers were beyond the limit and dropped
 */
public record ParsedHealth(SourceFormat format, String overallRawStatus, List<WorkerReading> workers,
                           int droppedWorkers) {

  /**
   * The worker that stands for the app's overall status when the app lists no workers, or when its overall status is
   * worse than any worker it lists. Parentheses keep it apart from real worker names.
   */
  public static final String OVERALL_WORKER = "(overall)";

  public ParsedHealth {
    workers = List.copyOf(workers);
  }
}
