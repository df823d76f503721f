package io.workerhealth.examples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sample app's settings, read from environment variables. Parsing is pure so each variable is tested without a
 * process; a bad value stops start-up with a message naming the variable.
 *
 * @param bindAddress address the HTTP server binds ({@code BIND_ADDRESS}, default {@code 0.0.0.0})
 * @param port HTTP port ({@code PORT}, default 8080; 0 picks a free one)
 * @param failWorkers workers failed from the start ({@code FAIL_WORKERS}, comma-separated)
 * @param healthzHang how long each {@code /healthz} is held from the start ({@code HANG_HEALTHZ} and
 *     {@code HANG_HEALTHZ_SECONDS}); zero for none
 */
public record SampleAppConfig(String bindAddress, int port, List<String> failWorkers, Duration healthzHang) {

  public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
  public static final int DEFAULT_PORT = 8080;
  /** Longer than any sensible scrape timeout, so a hung {@code /healthz} surely times the scraper out. */
  public static final Duration DEFAULT_HANG = Duration.ofSeconds(30);

  public SampleAppConfig {
    failWorkers = List.copyOf(failWorkers);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (healthzHang.isNegative()) {
      throw new IllegalArgumentException("the /healthz hang must not be negative, got " + healthzHang);
    }
  }

  /** Defaults: every worker healthy, no hang, port 8080 on every interface. */
  public static SampleAppConfig defaults() {
    return new SampleAppConfig(DEFAULT_BIND_ADDRESS, DEFAULT_PORT, List.of(), Duration.ZERO);
  }

  public SampleAppConfig withPort(int newPort) {
    return new SampleAppConfig(bindAddress, newPort, failWorkers, healthzHang);
  }

  public SampleAppConfig withBindAddress(String newBindAddress) {
    return new SampleAppConfig(newBindAddress, port, failWorkers, healthzHang);
  }

  /** Reads {@code PORT}, {@code BIND_ADDRESS}, {@code FAIL_WORKERS}, {@code HANG_HEALTHZ}, {@code HANG_HEALTHZ_SECONDS}. */
  public static SampleAppConfig fromEnvironment(Map<String, String> env) {
    String bind = blankToNull(env.get("BIND_ADDRESS"));
    return new SampleAppConfig(
        bind == null ? DEFAULT_BIND_ADDRESS : bind,
        parsePort(env.get("PORT")),
        parseWorkers(env.get("FAIL_WORKERS")),
        parseHang(env.get("HANG_HEALTHZ"), env.get("HANG_HEALTHZ_SECONDS")));
  }

  private static int parsePort(String raw) {
    String value = blankToNull(raw);
    if (value == null) {
      return DEFAULT_PORT;
    }
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the variable's name
    }
    throw new IllegalArgumentException("PORT must be a number 0..65535, got '" + raw + "'");
  }

  private static List<String> parseWorkers(String raw) {
    List<String> workers = new ArrayList<>();
    if (raw != null) {
      for (String part : raw.split(",")) {
        String worker = part.strip();
        if (!worker.isEmpty() && !workers.contains(worker)) {
          workers.add(worker);
        }
      }
    }
    return workers;
  }

  private static Duration parseHang(String flag, String seconds) {
    String on = blankToNull(flag);
    if (on == null) {
      return Duration.ZERO;
    }
    switch (on.toLowerCase(Locale.ROOT)) {
      case "0", "false", "no", "off" -> {
        return Duration.ZERO;
      }
      case "1", "true", "yes", "on" -> {
        return hangSeconds(seconds);
      }
      default -> throw new IllegalArgumentException("HANG_HEALTHZ must be 1/true or 0/false, got '" + flag + "'");
    }
  }

  private static Duration hangSeconds(String raw) {
    String value = blankToNull(raw);
    if (value == null) {
      return DEFAULT_HANG;
    }
    try {
      long seconds = Long.parseLong(value);
      if (seconds > 0) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException ignored) {
      // reported below with the variable's name
    }
    throw new IllegalArgumentException("HANG_HEALTHZ_SECONDS must be a positive whole number, got '" + raw + "'");
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
