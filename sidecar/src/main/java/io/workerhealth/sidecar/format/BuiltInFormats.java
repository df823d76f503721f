package io.workerhealth.sidecar.format;

import java.util.List;

/** The built-in formats, most specific first: auto-detection takes the first that recognizes a body. */
final class BuiltInFormats {

  private BuiltInFormats() {}

  static List<HealthFormat> detectionOrder() {
    return List.of(new OutpostFormat());
  }
}
