package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.SourceFormat;

/** One health body format. Implementations are pure and thread-safe; no input makes them throw anything but
 * {@link HealthParseException}. */
public interface HealthFormat {

  /** Which format this is. */
  SourceFormat id();

  /** Whether the response looks like this format (used by auto-detection; cheap and never throws). */
  boolean recognizes(HealthResponse response);

  /** Reads the workers; unbounded (bounds are applied by {@link HealthFormats}). */
  ParsedHealth parse(HealthResponse response) throws HealthParseException;
}
