package io.workerhealth.conformance;

import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.format.HealthResponse;
import io.workerhealth.sidecar.scrape.HealthScraper;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import io.workerhealth.sidecar.track.HealthTracker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** The sidecar's own scrape path (scraper, formats, tracker) pointed at a real producer, and its captured bodies. */
public final class Scrapes {

  private Scrapes() {}

  /** What the sidecar would report after one scrape of {@code url}, with the default settings. */
  public static WorkerHealthStatus report(String url) {
    return report(ScrapeTarget.of(url));
  }

  /** The same for a target configured as the sidecar's variables configure it (credentials, CA file, …). */
  public static WorkerHealthStatus report(ScrapeTarget target) {
    HealthScraper scraper = new HealthScraper(target, Duration.ofSeconds(5), 256 * 1024, new HealthFormats(null));
    try {
      ScrapeOutcome outcome = scraper.scrape(SourceFormat.AUTO);
      return new HealthTracker(Clock.systemUTC()).next(null, outcome);
    } finally {
      scraper.close();
    }
  }

  /** The body as the producer answered it (status, content type, bytes), to keep as a sample. */
  public static HealthResponse fetch(String url) {
    try {
      HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      return new HealthResponse(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes a body produced by a real framework under target/captured/, as the committed samples were made. */
  public static void keep(String name, HealthResponse response) {
    try {
      Path dir = Files.createDirectories(Path.of("target", "captured"));
      Files.write(dir.resolve(name), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A committed sample (src/test/resources/captured/). */
  public static byte[] sample(String name) {
    try (InputStream in = Scrapes.class.getResourceAsStream("/captured/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no captured sample " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
