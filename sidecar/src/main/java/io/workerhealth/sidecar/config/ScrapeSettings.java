package io.workerhealth.sidecar.config;

import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthSpec;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import io.workerhealth.sidecar.format.CustomFormatConfig;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.format.WorkerFilter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How one target is scraped, beyond where: every interval, within a timeout, read as a format, up to a body limit,
 * reporting the workers the filter lets through. Read by {@link #read} from the sidecar's environment or a pod's
 * annotations, with the same checks and messages that name what the user wrote. The interval is bounded by the
 * WorkerHealth's {@code spec.intervalSeconds}, so the API server never refuses what a reporter writes.
 */
public record ScrapeSettings(Duration interval, Duration timeout, SourceFormat format, long bodyLimit,
                             CustomFormatConfig customFormat, WorkerFilter workerFilter) {

  public static final String DEFAULT_INTERVAL = "5s";
  public static final String DEFAULT_TIMEOUT = "2s";

  /** The formats that read this target's bodies. */
  public HealthFormats formats() {
    return new HealthFormats(customFormat, workerFilter);
  }

  /**
   * Reads the settings; problems are added to {@code problems}, each naming the setting as {@code name} does (a
   * variable, an annotation) with the value given, and null is returned when there is any.
   *
   * @param given what was set (null or blank: the default below)
   * @param name  how messages name a setting
   * @param defaultBodyLimit the body limit when none is given
   */
  public static ScrapeSettings read(Function<ScrapeSetting, String> given, Function<ScrapeSetting, String> name,
                                    String defaultBodyLimit, List<String> problems) {
    int before = problems.size();
    Duration interval = read(given, name, ScrapeSetting.INTERVAL, DEFAULT_INTERVAL,
        ScrapeSettings::parseInterval, problems);
    Duration timeout = read(given, name, ScrapeSetting.TIMEOUT, DEFAULT_TIMEOUT, ScrapeSettings::positive, problems);
    SourceFormat format = read(given, name, ScrapeSetting.FORMAT, "auto", SourceFormat::fromWireName, problems);
    Long bodyLimit = read(given, name, ScrapeSetting.BODY_LIMIT, defaultBodyLimit, ScrapeSettings::positiveSize,
        problems);
    CustomFormatConfig custom = customFormat(given, name, problems);
    String exclude = given.apply(ScrapeSetting.EXCLUDE_WORKERS);
    WorkerFilter filter = new WorkerFilter(WorkerFilter.globs(given.apply(ScrapeSetting.INCLUDE_WORKERS)),
        exclude == null ? null : WorkerFilter.globs(exclude));
    if (format == SourceFormat.CUSTOM && custom == null) {
      problems.add(name.apply(ScrapeSetting.FORMAT) + "=custom needs " + name.apply(ScrapeSetting.CUSTOM_WORKERS)
          + " and " + name.apply(ScrapeSetting.CUSTOM_STATUS));
    }
    if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
      problems.add(name.apply(ScrapeSetting.TIMEOUT) + " (" + Durations.format(timeout) + ") must not exceed "
          + name.apply(ScrapeSetting.INTERVAL) + " (" + Durations.format(interval) + ")");
    }
    if (problems.size() > before) {
      return null;
    }
    return new ScrapeSettings(interval, timeout, format, bodyLimit, custom, filter);
  }

  /**
   * The custom format from its settings, or null when {@code custom-workers} is not set. Unset exclusions mean the
   * format's defaults (Spring's framework indicators); set, even to nothing, they replace them.
   */
  static CustomFormatConfig customFormat(Function<ScrapeSetting, String> given, Function<ScrapeSetting, String> name,
                                         List<String> problems) {
    String workers = blankToNull(given.apply(ScrapeSetting.CUSTOM_WORKERS));
    if (workers == null) {
      return null;
    }
    String status = blankToNull(given.apply(ScrapeSetting.CUSTOM_STATUS));
    if (status == null) {
      problems.add(name.apply(ScrapeSetting.CUSTOM_STATUS) + " is required with "
          + name.apply(ScrapeSetting.CUSTOM_WORKERS));
    }
    Map<String, WorkerStatus> map = new LinkedHashMap<>();
    String mapping = blankToNull(given.apply(ScrapeSetting.CUSTOM_STATUS_MAP));
    if (mapping != null) {
      try {
        map.putAll(SidecarConfig.parseStatusMap(mapping));
      } catch (IllegalArgumentException e) {
        problems.add(name.apply(ScrapeSetting.CUSTOM_STATUS_MAP) + ": " + e.getMessage());
      }
    }
    return new CustomFormatConfig(workers, blankToNull(given.apply(ScrapeSetting.CUSTOM_NAME)), status,
        blankToNull(given.apply(ScrapeSetting.CUSTOM_MESSAGE)), map);
  }

  private static <T> T read(Function<ScrapeSetting, String> given, Function<ScrapeSetting, String> name,
                            ScrapeSetting setting, String dflt, Function<String, T> parse, List<String> problems) {
    String raw = given.apply(setting);
    String value = raw == null || raw.isBlank() ? dflt : raw.strip();
    try {
      return parse.apply(value);
    } catch (RuntimeException e) {
      problems.add(name.apply(setting) + "=" + value + ": " + e.getMessage());
      return null;
    }
  }

  /** An interval: positive, at most the WorkerHealth spec's {@code intervalSeconds} bound. */
  static Duration parseInterval(String s) {
    return atMost(positive(s), WorkerHealthSpec.MAX_INTERVAL_SECONDS, "intervalSeconds");
  }

  static Duration positive(String s) {
    Duration d = Durations.parse(s);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be positive");
    }
    return d;
  }

  /** At most {@code maxSeconds}: the bound of the WorkerHealth spec field the value is written to. */
  static Duration atMost(Duration d, int maxSeconds, String specField) {
    if (d.compareTo(Duration.ofSeconds(maxSeconds)) > 0) {
      throw new IllegalArgumentException("must be at most " + Durations.format(Duration.ofSeconds(maxSeconds))
          + " (the WorkerHealth's spec." + specField + " allows " + maxSeconds + " at most)");
    }
    return d;
  }

  static Long positiveSize(String s) {
    long n = ByteSizes.parse(s);
    if (n <= 0) {
      throw new IllegalArgumentException("must be positive");
    }
    return n;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
