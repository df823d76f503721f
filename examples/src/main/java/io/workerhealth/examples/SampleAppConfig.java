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
 * @param broker the message broker the consumers depend on, {@code host:port} ({@code BROKER_ADDRESS}), or null for
 *     none: with one, the app refuses to start while it does not answer, and its consumers fail while it is down
 * @param consumerMaxErrors broker errors in a row after which the consumers stop for good, as Outpost's do
 *     ({@code CONSUMER_MAX_ERRORS}, default 10); 0: they never give up and recover with the broker
 * @param brokerCheckInterval how often the consumers reach for the broker ({@code BROKER_CHECK_INTERVAL_MS}, default
 *     1000)
 */
public record SampleAppConfig(String bindAddress, int port, List<String> failWorkers, Duration healthzHang,
                              String broker, int consumerMaxErrors, Duration brokerCheckInterval) {

  public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
  public static final int DEFAULT_PORT = 8080;
  /** Longer than any sensible scrape timeout, so a hung {@code /healthz} surely times the scraper out. */
  public static final Duration DEFAULT_HANG = Duration.ofSeconds(30);
  /** hookdeck/outpost's consumers stop after about 10 consecutive broker errors. */
  public static final int DEFAULT_CONSUMER_MAX_ERRORS = 10;
  public static final Duration DEFAULT_BROKER_CHECK_INTERVAL = Duration.ofSeconds(1);

  public SampleAppConfig(String bindAddress, int port, List<String> failWorkers, Duration healthzHang) {
    this(bindAddress, port, failWorkers, healthzHang, null, DEFAULT_CONSUMER_MAX_ERRORS,
        DEFAULT_BROKER_CHECK_INTERVAL);
  }

  public SampleAppConfig {
    failWorkers = List.copyOf(failWorkers);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (healthzHang.isNegative()) {
      throw new IllegalArgumentException("the /healthz hang must not be negative, got " + healthzHang);
    }
    if (broker != null && !broker.matches("[^\\s:]+:[0-9]{1,5}")) {
      throw new IllegalArgumentException("BROKER_ADDRESS must be host:port, got '" + broker + "'");
    }
    if (consumerMaxErrors < 0) {
      throw new IllegalArgumentException("CONSUMER_MAX_ERRORS must be 0 or more, got " + consumerMaxErrors);
    }
    if (brokerCheckInterval.isNegative() || brokerCheckInterval.isZero()) {
      throw new IllegalArgumentException("the broker check interval must be positive, got " + brokerCheckInterval);
    }
  }

  /** Defaults: every worker healthy, no hang, port 8080 on every interface. */
  public static SampleAppConfig defaults() {
    return new SampleAppConfig(DEFAULT_BIND_ADDRESS, DEFAULT_PORT, List.of(), Duration.ZERO);
  }

  public SampleAppConfig withPort(int newPort) {
    return new SampleAppConfig(bindAddress, newPort, failWorkers, healthzHang, broker, consumerMaxErrors,
        brokerCheckInterval);
  }

  public SampleAppConfig withBindAddress(String newBindAddress) {
    return new SampleAppConfig(newBindAddress, port, failWorkers, healthzHang, broker, consumerMaxErrors,
        brokerCheckInterval);
  }

  /** Consumers that depend on a broker: {@code maxErrors} errors in a row stop them for good (0: never). */
  public SampleAppConfig withBroker(String address, int maxErrors, Duration checkInterval) {
    return new SampleAppConfig(bindAddress, port, failWorkers, healthzHang, address, maxErrors, checkInterval);
  }

  /**
   * Reads {@code PORT}, {@code BIND_ADDRESS}, {@code FAIL_WORKERS}, {@code HANG_HEALTHZ}, {@code HANG_HEALTHZ_SECONDS},
   * {@code BROKER_ADDRESS}, {@code CONSUMER_MAX_ERRORS}, {@code BROKER_CHECK_INTERVAL_MS}.
   */
  public static SampleAppConfig fromEnvironment(Map<String, String> env) {
    String bind = blankToNull(env.get("BIND_ADDRESS"));
    return new SampleAppConfig(
        bind == null ? DEFAULT_BIND_ADDRESS : bind,
        parsePort(env.get("PORT")),
        parseWorkers(env.get("FAIL_WORKERS")),
        parseHang(env.get("HANG_HEALTHZ"), env.get("HANG_HEALTHZ_SECONDS")),
        blankToNull(env.get("BROKER_ADDRESS")),
        parseCount(env.get("CONSUMER_MAX_ERRORS"), "CONSUMER_MAX_ERRORS", DEFAULT_CONSUMER_MAX_ERRORS),
        Duration.ofMillis(Math.max(1, parseCount(env.get("BROKER_CHECK_INTERVAL_MS"), "BROKER_CHECK_INTERVAL_MS",
            (int) DEFAULT_BROKER_CHECK_INTERVAL.toMillis()))));
  }

  private static int parseCount(String raw, String variable, int dflt) {
    String value = blankToNull(raw);
    if (value == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below with the variable's name
    }
    throw new IllegalArgumentException(variable + " must be a whole number, 0 or more, got '" + raw + "'");
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
