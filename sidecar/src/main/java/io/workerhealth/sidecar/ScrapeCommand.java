package io.workerhealth.sidecar;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workerhealth.api.v1alpha1.HealthPhase;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import io.workerhealth.sidecar.config.ByteSizes;
import io.workerhealth.sidecar.config.Durations;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.config.TargetSetting;
import io.workerhealth.sidecar.format.CustomFormatConfig;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.scrape.HealthScraper;
import io.workerhealth.sidecar.scrape.ScrapeOutcome;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import io.workerhealth.sidecar.track.HealthTracker;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * One scrape, no cluster: prints the normalized snapshot as JSON. Exit code 0 when every worker is healthy, 1 when
 * any is not, 2 when the endpoint could not be scraped or parsed — usable as an exec probe. Bad arguments exit
 * {@value SidecarMain#USAGE} with a one-line message, never one of those three.
 */
@Command(name = "scrape", mixinStandardHelpOptions = true,
    description = "Scrape a health endpoint once and print what the sidecar would report, as JSON.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every worker is healthy", "1:a worker is not healthy (or none reported yet)",
        "2:the endpoint could not be scraped or parsed", "64:bad arguments (one line says which)",
        "70:an internal error of the sidecar"})
public final class ScrapeCommand implements Callable<Integer> {

  public static final int ALL_HEALTHY = 0;
  public static final int NOT_HEALTHY = 1;
  public static final int UNREACHABLE = 2;

  @Spec
  CommandSpec spec;

  @Option(names = "--url", required = true, description = "Health endpoint URL (http or https).")
  String url;

  @Option(names = "--format", defaultValue = "auto", converter = FormatConverter.class,
      description = "auto|outpost|spring|ietf|microprofile|aspnet|k8s|custom (default: ${DEFAULT-VALUE}).")
  SourceFormat format;

  @Option(names = "--timeout", defaultValue = "2s", converter = TimeoutConverter.class,
      description = "Scrape timeout, more than 0 and at most 1h (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--body-limit", defaultValue = SidecarConfig.DEFAULT_BODY_LIMIT, converter = SizeConverter.class,
      description = "Largest body read, e.g. 128Ki (default: ${DEFAULT-VALUE}, sized with the image's heap).")
  long bodyLimit;

  @Option(names = "--basic-auth-username", description = "Basic auth user; the password is read from "
      + "--basic-auth-password-file.")
  String basicAuthUsername;

  @Option(names = "--basic-auth-password-file", description = "File holding the basic-auth password.")
  String basicAuthPasswordFile;

  @Option(names = "--bearer-token-file", description = "File holding a bearer token.")
  String bearerTokenFile;

  @Option(names = "--header", description = "Extra request header 'Name: value' (repeatable).")
  List<String> headers = new ArrayList<>();

  @Option(names = "--ca-file", description = "PEM certificates to trust for an https URL.")
  String caFile;

  @Option(names = "--redirects", description = "Redirects to follow: none, same-host (default) or any.")
  String redirects;

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
    ScrapeTarget target = target();
    CustomFormatConfig custom = customFormat();
    HealthScraper scraper = new HealthScraper(target, timeout, bodyLimit, new HealthFormats(custom));
    try {
      ScrapeOutcome outcome = scraper.scrape(format);
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

  private ScrapeTarget target() {
    Map<TargetSetting, String> given = new EnumMap<>(TargetSetting.class);
    given.put(TargetSetting.URL, url);
    given.put(TargetSetting.BASIC_AUTH_USERNAME, basicAuthUsername);
    given.put(TargetSetting.BASIC_AUTH_PASSWORD_FILE, basicAuthPasswordFile);
    given.put(TargetSetting.BEARER_TOKEN_FILE, bearerTokenFile);
    given.put(TargetSetting.HEADERS, headers.isEmpty() ? null : String.join("\n", headers));
    given.put(TargetSetting.CA_FILE, caFile);
    given.put(TargetSetting.REDIRECTS, redirects);
    List<String> problems = new ArrayList<>();
    ScrapeTarget target = TargetSetting.read(given, true, problems);
    if (target == null) {
      throw new ParameterException(spec.commandLine(), String.join("; ", problems));
    }
    return target;
  }

  private CustomFormatConfig customFormat() {
    if (customWorkers == null) {
      if (format == SourceFormat.CUSTOM) {
        throw new ParameterException(spec.commandLine(), "--format custom needs --custom-workers and "
            + "--custom-status");
      }
      return null;
    }
    if (customStatus == null) {
      throw new ParameterException(spec.commandLine(), "--custom-workers needs --custom-status");
    }
    try {
      return new CustomFormatConfig(customWorkers, customName, customStatus, customMessage,
          customStatusMap == null ? null : SidecarConfig.parseStatusMap(customStatusMap));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--custom-status-map: " + e.getMessage());
    }
  }

  static final class FormatConverter implements ITypeConverter<SourceFormat> {
    @Override
    public SourceFormat convert(String value) {
      try {
        return SourceFormat.fromWireName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** More than zero (okhttp reads zero as "no timeout": a scrape could hang for ever), at most the longest interval. */
  static final class TimeoutConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d;
      try {
        d = Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
      Duration max = Duration.ofSeconds(WorkerHealthSpec.MAX_INTERVAL_SECONDS);
      if (d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
        throw new TypeConversionException("'" + value + "': must be more than 0 and at most "
            + Durations.format(max));
      }
      return d;
    }
  }

  static final class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      long n;
      try {
        n = ByteSizes.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
      if (n <= 0) {
        throw new TypeConversionException("'" + value + "': must be more than 0 bytes");
      }
      return n;
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
