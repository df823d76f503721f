package io.workerhealth.operator.injection;

import io.fabric8.kubernetes.api.model.Quantity;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.config.TargetSetting;
import io.workerhealth.sidecar.format.WorkerFilter;
import io.workerhealth.sidecar.scrape.RedirectPolicy;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import okhttp3.Headers;
import okhttp3.HttpUrl;

/**
 * The checks an annotation value must pass. Where the sidecar reads the value, they are the sidecar's own parsers
 * ({@link SidecarConfig}, {@link TargetSetting}), so the bounds and forms are the same by construction; the rest are
 * Kubernetes' rules (ports, quantities, object names) and the webhook's (no secrets in annotations).
 */
final class SettingChecks {

  private SettingChecks() {}

  static String text(String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException("must not be empty");
    }
    return value.strip();
  }

  /** The sidecar's URL rule, and no credentials: an annotation is readable by whoever can read the pod. */
  static String httpUrl(String value) {
    HttpUrl url = ScrapeTarget.parseUrl(value);
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      throw new IllegalArgumentException("credentials in an annotation are readable by whoever can read the pod; "
          + "put them in a Secret and name it in " + SidecarSetting.ANNOTATION_PREFIX + "basic-auth-secret");
    }
    return value.strip();
  }

  /** A port of a URL or a container: 1 to 65535. */
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

  static String interval(String value) {
    SidecarConfig.parseInterval(value);
    return value.strip();
  }

  static String timeout(String value) {
    SidecarConfig.parseTimeout(value);
    return value.strip();
  }

  static String heartbeat(String value) {
    SidecarConfig.parseHeartbeat(value);
    return value.strip();
  }

  static String bodyLimit(String value) {
    SidecarConfig.parseBodyLimit(value);
    return value.strip();
  }

  /** {@code ok=Healthy,bad=Failed}: the app's words to the four states. */
  static String statusMap(String value) {
    SidecarConfig.parseStatusMap(text(value));
    return value.strip();
  }

  /** Comma-separated globs, as the sidecar splits them. */
  static String workerGlobs(String value) {
    List<String> globs = WorkerFilter.globs(value);
    if (globs.isEmpty()) {
      throw new IllegalArgumentException("names no worker glob (leave it out to report every worker)");
    }
    return String.join(",", globs);
  }

  /** As {@link #workerGlobs}, but empty is meaningful: exclude nothing, not even the format's defaults. */
  static String workerGlobsOrNone(String value) {
    return String.join(",", WorkerFilter.globs(value));
  }

  /**
   * {@code Name: value} lines, as the sidecar reads WH_HEADERS; no credentials. Problems name lines and headers,
   * never values.
   */
  static String headers(String value) {
    List<String> problems = new ArrayList<>();
    Headers headers = TargetSetting.headers(text(value), false, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems.stream()
          .map(p -> p.replaceFirst("^" + TargetSetting.HEADERS.variable() + " ", "")).toList()));
    }
    for (String credential : List.of("Authorization", "Proxy-Authorization")) {
      if (headers.get(credential) != null) {
        throw new IllegalArgumentException("an " + credential + " header in an annotation is readable by whoever "
            + "can read the pod; name a Secret in " + SidecarSetting.ANNOTATION_PREFIX + "bearer-token-secret or "
            + SidecarSetting.ANNOTATION_PREFIX + "basic-auth-secret instead");
      }
    }
    return value.strip();
  }

  static String redirects(String value) {
    return RedirectPolicy.fromWireName(value).wireName();
  }

  static String tlsServerName(String value) {
    String name = value.strip();
    String problem = TargetSetting.tlsServerNameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return name;
  }

  /** {@code <name>} or {@code <name>/<key>} of a Secret or ConfigMap in the pod's namespace; stored with its key. */
  static SidecarSetting.Check keyReference(String defaultKey) {
    return value -> KeyReference.parse(value, defaultKey).toString();
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
