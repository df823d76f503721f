package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.util.Map;

/**
 * How to read a JSON body that is none of the known formats.
 *
 * @param workers   JSON Pointer (RFC 6901, e.g. {@code /components}) or JSONPath (e.g. {@code $.components}) to the
 *                  workers: an object keyed by worker name, or an array of worker objects
 * @param name      pointer, relative to one worker, to its name (for arrays; an object's key is the name when null)
 * @param status    pointer, relative to one worker, to its status word
 * @param message   pointer, relative to one worker, to a message, or null
 * @param statusMap the app's status words (compared case-insensitively) to normalized states; words not listed fall
 *                  back to the common vocabulary (ok/up/healthy/pass → Healthy, …) and else to Unknown
 */
public record CustomFormatConfig(String workers, String name, String status, String message,
                                 Map<String, WorkerStatus> statusMap) {

  public CustomFormatConfig {
    statusMap = statusMap == null ? Map.of() : Map.copyOf(statusMap);
  }
}
