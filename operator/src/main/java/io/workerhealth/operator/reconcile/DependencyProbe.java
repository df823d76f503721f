package io.workerhealth.operator.reconcile;

import io.workerhealth.operator.planning.DependencyObservation;
import io.workerhealth.operator.planning.PolicySettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;

/**
 * Checks a policy's recovery.dependency from the operator: a TCP connection, or an HTTP GET answered 2xx or 3xx.
 * Never throws: what went wrong is the observation.
 */
class DependencyProbe {

  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  DependencyObservation check(PolicySettings.Dependency dependency, Instant now) {
    int timeout = (int) Math.max(1, dependency.timeout().toMillis());
    if (dependency.url() == null) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(dependency.host(), dependency.port()), timeout);
        return new DependencyObservation(true, "tcp " + dependency.host() + ":" + dependency.port() + " accepts "
            + "connections", now);
      } catch (IOException | RuntimeException e) {
        return new DependencyObservation(false, "tcp " + dependency.host() + ":" + dependency.port() + ": "
            + describe(e), now);
      }
    }
    try {
      HttpResponse<Void> response = http.send(HttpRequest.newBuilder(dependency.url()).timeout(dependency.timeout())
          .GET().build(), HttpResponse.BodyHandlers.discarding());
      boolean up = response.statusCode() >= 200 && response.statusCode() < 400;
      return new DependencyObservation(up, "GET " + dependency.url() + ": HTTP " + response.statusCode(), now);
    } catch (IOException | RuntimeException e) {
      return new DependencyObservation(false, "GET " + dependency.url() + ": " + describe(e), now);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new DependencyObservation(false, "GET " + dependency.url() + ": interrupted", now);
    }
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 200 ? m.substring(0, 200) : m));
  }
}
