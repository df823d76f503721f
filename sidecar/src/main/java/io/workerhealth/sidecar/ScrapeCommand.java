package io.workerhealth.sidecar;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.sidecar.config.ByteSizes;
import io.workerhealth.sidecar.config.Durations;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.format.CustomFormatConfig;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.scrape.HealthScraper;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import io.workerhealth.sidecar.track.HealthTracker;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One scrape, no cluster: prints the normalized snapshot as JSON. Exit code 0 when every worker is healthy, 1 when
 * any is not, 2 when the endpoint could not be scraped or parsed — usable as an exec probe.
 */
@Command(name = "scrape", mixinStandardHelpOptions = true,
    description = "Scrape a health endpoint once and print what the sidecar would report, as JSON.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every worker is healthy", "1:a worker is not healthy (or none reported yet)",
        "2:the endpoint could not be scraped or parsed"})
public final class ScrapeCommand implements Callable<Integer> {

  public static final int ALL_HEALTHY = 0;
  public static final int NOT_HEALTHY = 1;
  public static final int UNREACHABLE = 2;

  @Spec
  CommandSpec spec;

  @Option(names = "--url", required = true, description = "Health endpoint URL.")
  String url;

  @Option(names = "--format", defaultValue = "auto",
      description = "auto|outpost|spring|ietf|microprofile|aspnet|k8s|custom (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--timeout", defaultValue = "2s", description = "Scrape timeout (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--body-limit", defaultValue = "1Mi", description = "Largest body read (default: ${DEFAULT-VALUE}).")
  String bodyLimit;

  @Option(names = "--custom-workers", description = "Custom format: JSON Pointer or JSONPath to the workers.")
  String customWorkers;

  @Option(names = "--custom-name", description = "Custom format: pointer to a worker's name (arrays).")
  String customName;

  @Option(names = "--custom-status", description = "Custom format: pointer to a worker's status word.")
  String customStatus;

  @Option(names = "--custom-message", description = "Custom format: pointer to a worker's message.")
  String customMessage;

  @Option(names = "--custom-status-map", description = "Custom format: word=State pairs, e.g. ok=Healthy,bad=Failed.")
  String customStatusMap;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    SourceFormat requested = SourceFormat.fromWireName(format);
    CustomFormatConfig custom = customWorkers == null ? null : new CustomFormatConfig(customWorkers, customName,
        customStatus, customMessage, customStatusMap == null ? null : SidecarConfig.parseStatusMap(customStatusMap));
    URI target = URI.create(url);
    HealthScraper scraper = new HealthScraper(HealthScraper.clientFor(target), Durations.parse(timeout),
        ByteSizes.parse(bodyLimit), new HealthFormats(custom));
    try {
      ScrapeOutcome outcome = scraper.scrape(target, requested);
      WorkerHealthStatus status = new HealthTracker(Clock.systemUTC()).next(null, outcome);
      out.println(render(status));
      out.flush();
      if (outcome instanceof ScrapeOutcome.Failure) {
        return UNREACHABLE;
      }
      return status.getPhase() == HealthPhase.Healthy ? ALL_HEALTHY : NOT_HEALTHY;
    } finally {
      scraper.close();
    }
  }

  static String render(WorkerHealthStatus status) throws Exception {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("phase", status.getPhase().name());
    if (status.getFormat() == null) {
      root.putNull("format");
    } else {
      root.put("format", status.getFormat().wireName());
    }
    if (status.getHttpStatus() == null) {
      root.putNull("httpStatus");
    } else {
      root.put("httpStatus", status.getHttpStatus());
    }
    if (status.getScrapeError() != null) {
      ObjectNode error = root.putObject("error");
      error.put("reason", status.getScrapeError().getReason().name());
      error.put("message", status.getScrapeError().getMessage());
    }
    root.put("ready", status.getReady());
    if (status.getDroppedWorkers() != null) {
      root.put("droppedWorkers", status.getDroppedWorkers());
    }
    ArrayNode workers = root.putArray("workers");
    for (WorkerState w : status.getWorkers()) {
      ObjectNode node = workers.addObject();
      node.put("name", w.getName());
      node.put("status", w.getStatus().name());
      node.put("rawStatus", w.getRawStatus());
      node.put("message", w.getMessage());
    }
    return json.writeValueAsString(root);
  }
}
