package io.workerhealth.sidecar.format;

import java.util.List;

/** The built-in formats, most specific first: auto-detection takes the first that recognizes a body. */
final class BuiltInFormats {

  private BuiltInFormats() {}

  /**
   * Each format recognizes a shape the others do not: Outpost an object {@code workers}, ASP.NET an object
   * {@code entries}, MicroProfile an array {@code checks}, IETF an object {@code checks} of arrays (or its content
   * type), Spring {@code components} or a bare Spring status, Kubernetes text lines starting with {@code [+]}/{@code [-]}.
   */
  static List<HealthFormat> detectionOrder() {
    return List.of(new OutpostFormat(), new AspNetFormat(), new MicroProfileFormat(), new IetfHealthFormat(),
        new SpringActuatorFormat(), new KubernetesVerboseFormat());
  }
}
