package io.workerhealth.operator.injection;

import io.fabric8.kubernetes.api.model.Quantity;
import io.workerhealth.api.v1alpha1.SourceFormat;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks an annotation value must pass, the same the sidecar applies to the variable it sets (a property test
 * holds the two together), so an admitted pod never fails at start on its configuration.
 */
final class SettingChecks {

  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(Ki|Mi|Gi|k|K|M|G)?");
  private static final Pattern STATUS_PAIR = Pattern.compile("[^=]+=\\s*(?i:healthy|degraded|failed|unknown)\\s*");

  private SettingChecks() {}

  static String text(String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return value.strip();
  }

  static String httpUrl(String value) {
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL: " + e.getReason());
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
        || uri.getHost() == null) {
      throw new IllegalArgumentException("must be an http(s) URL with a host, like http://127.0.0.1:8080/healthz");
    }
    return uri.toString();
  }

  static String port(String value) {
    int port;
    try {
      port = Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a port number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("must be a port from 1 to 65535");
    }
    return Integer.toString(port);
  }

  static String path(String value) {
    String path = value.strip();
    if (!path.startsWith("/") || path.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("must be a URL path starting with /, like /healthz");
    }
    try {
      new URI("http://127.0.0.1:1" + path);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL path: " + e.getReason());
    }
    return path;
  }

  static String format(String value) {
    return SourceFormat.fromWireName(value).wireName();
  }

  static String positiveDuration(String value) {
    Duration d = duration(value);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be positive");
    }
    return value.strip();
  }

  /** The sidecar's duration forms: 500ms, 5s, 2m, 1h, or ISO-8601 (PT5S). */
  static Duration duration(String value) {
    String t = value.strip().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE_DURATION.matcher(t);
    if (m.matches()) {
      long n;
      try {
        n = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + value + "' is too long a duration");
      }
      try {
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("'" + value + "' is too long a duration");
      }
    }
    try {
      return Duration.parse(value.strip().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a duration (use e.g. 500ms, 5s, 2m, 1h or PT5S)");
    }
  }

  static String positiveSize(String value) {
    Matcher m = SIZE.matcher(value.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size (use e.g. 1048576, 512Ki, 1Mi)");
    }
    long factor = switch (m.group(2) == null ? "" : m.group(2)) {
      case "Ki" -> 1024L;
      case "Mi" -> 1024L * 1024;
      case "Gi" -> 1024L * 1024 * 1024;
      case "k", "K" -> 1000L;
      case "M" -> 1000L * 1000;
      case "G" -> 1000L * 1000 * 1000;
      default -> 1L;
    };
    long bytes;
    try {
      bytes = Math.multiplyExact(Long.parseLong(m.group(1)), factor);
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("too large a size");
    }
    if (bytes <= 0) {
      throw new IllegalArgumentException("must be positive");
    }
    return value.strip();
  }

  /** {@code ok=Healthy,bad=Failed}: the app's words to the four states. */
  static String statusMap(String value) {
    for (String pair : value.split(",")) {
      if (!pair.isBlank() && !STATUS_PAIR.matcher(pair).matches()) {
        throw new IllegalArgumentException("'" + pair.strip()
            + "' is not word=State with State one of Healthy, Degraded, Failed, Unknown");
      }
    }
    return value.strip();
  }

  static SidecarSetting.Check oneOf(String... allowed) {
    List<String> values = Arrays.asList(allowed);
    return value -> {
      String v = value.strip();
      if (!values.contains(v)) {
        throw new IllegalArgumentException("must be one of " + String.join(", ", values));
      }
      return v;
    };
  }

  /** A log level in any case, as logback reads it (it would take an unknown one silently as INFO). */
  static String logLevel(String value) {
    return oneOf("TRACE", "DEBUG", "INFO", "WARN", "ERROR").apply(value.strip().toUpperCase(Locale.ROOT));
  }

  static String quantity(String value) {
    try {
      Quantity q = Quantity.parse(value.strip());
      if (q.getNumericalAmount().signum() <= 0) {
        throw new IllegalArgumentException("must be positive");
      }
    } catch (IllegalArgumentException e) {
      throw "must be positive".equals(e.getMessage()) ? e
          : new IllegalArgumentException("not a Kubernetes quantity (use e.g. 10m, 0.5, 96Mi)");
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("not a Kubernetes quantity (use e.g. 10m, 0.5, 96Mi)");
    }
    return value.strip();
  }
}
