package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.SourceFormat;
import java.io.IOException;

/**
 * One health body format. Implementations are pure and thread-safe, read the body as a stream with bounded memory
 * (see {@link JsonBody}), and throw nothing but {@link HealthParseException} and the parser's {@link IOException}.
 */
public interface HealthFormat {

  /** Which format this is. */
  SourceFormat id();

  /** Whether the response looks like this format (used by auto-detection; cheap and never throws). */
  boolean recognizes(HealthResponse response, JsonShape shape);

  /**
   * Reads the workers into {@code out}, in the app's order, and the app's overall status word if the format has one.
   * {@code shape} is the body's {@link JsonShape}, already computed.
   */
  void parse(HealthResponse response, JsonShape shape, WorkerCollector out) throws IOException, HealthParseException;
}
