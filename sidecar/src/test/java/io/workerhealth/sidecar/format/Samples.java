package io.workerhealth.sidecar.format;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Health bodies as the real projects answer them (test resources under health-samples/). */
final class Samples {

  private Samples() {}

  static byte[] bytes(String name) {
    try (InputStream in = Samples.class.getResourceAsStream("/health-samples/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no sample " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static HealthResponse response(String name, int status, String contentType) {
    return new HealthResponse(status, contentType, bytes(name));
  }

  static HealthResponse json(String name, int status) {
    return response(name, status, "application/json");
  }
}
