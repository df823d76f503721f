package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a health response in the requested format, or detects it, and bounds the result so that no app can make the
 * sidecar write an oversized or invalid WorkerHealth: at most {@value WorkerHealthStatus#MAX_WORKERS} workers (the
 * rest dropped and counted), names, status words and messages truncated, names unique.
 */
public final class HealthFormats {

  public static final int MAX_NAME_LENGTH = 253;
  public static final int MAX_RAW_STATUS_LENGTH = 64;
  public static final int MAX_MESSAGE_LENGTH = 1024;

  private final List<HealthFormat> detectionOrder;
  private final Map<SourceFormat, HealthFormat> byId = new LinkedHashMap<>();

  /** All built-in formats; {@code custom} may be null when no custom format is configured. */
  public HealthFormats(CustomFormatConfig custom) {
    this.detectionOrder = List.copyOf(builtIn(custom));
    for (HealthFormat f : detectionOrder) {
      byId.put(f.id(), f);
    }
  }

  private static List<HealthFormat> builtIn(CustomFormatConfig custom) {
    List<HealthFormat> formats = new ArrayList<>(BuiltInFormats.detectionOrder());
    if (custom != null) {
      formats.add(0, new CustomFormat(custom)); // what the user configured comes first
    }
    return formats;
  }

  /** Reads the response as {@code requested} ({@link SourceFormat#AUTO} or null: detect). */
  public ParsedHealth parse(HealthResponse response, SourceFormat requested) throws HealthParseException {
    HealthFormat format;
    if (requested == null || requested == SourceFormat.AUTO) {
      format = detect(response).orElseThrow(() -> new HealthParseException(ScrapeErrorReason.UnknownFormat,
          "no known health format matched the body (HTTP " + response.httpStatus() + ", "
              + (response.contentType() == null ? "no content type" : response.contentType()) + ", "
              + response.body().length + " bytes): " + preview(response)));
    } else {
      format = byId.get(requested);
      if (format == null) {
        throw new HealthParseException(ScrapeErrorReason.ParseError,
            "format '" + requested + "' is not configured (custom needs its pointers)");
      }
    }
    try {
      return bound(format.parse(response));
    } catch (HealthParseException e) {
      throw e;
    } catch (RuntimeException e) {
      // A format must never crash the sidecar, whatever the body.
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          format.id() + " body could not be read: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  /** The first format that recognizes the response. */
  public Optional<HealthFormat> detect(HealthResponse response) {
    for (HealthFormat f : detectionOrder) {
      try {
        if (f.recognizes(response)) {
          return Optional.of(f);
        }
      } catch (RuntimeException e) {
        // recognizes() must not throw; if it does, the format simply does not match
      }
    }
    return Optional.empty();
  }

  static ParsedHealth bound(ParsedHealth parsed) {
    Map<String, WorkerReading> unique = new LinkedHashMap<>();
    int dropped = parsed.droppedWorkers();
    for (WorkerReading w : parsed.workers()) {
      String name = truncate(w.name() == null || w.name().isBlank() ? "unnamed" : w.name().strip(), MAX_NAME_LENGTH);
      if (unique.containsKey(name)) {
        continue; // the first reading of a name wins
      }
      if (unique.size() >= WorkerHealthStatus.MAX_WORKERS) {
        dropped++;
        continue;
      }
      unique.put(name, new WorkerReading(name, w.status(), truncate(w.rawStatus(), MAX_RAW_STATUS_LENGTH),
          truncate(w.message(), MAX_MESSAGE_LENGTH)));
    }
    return new ParsedHealth(parsed.format(), truncate(parsed.overallRawStatus(), MAX_RAW_STATUS_LENGTH),
        new ArrayList<>(unique.values()), dropped);
  }

  static String truncate(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    int end = max - 1; // room for the ellipsis
    if (Character.isHighSurrogate(s.charAt(end - 1))) {
      end--; // keep surrogate pairs whole
    }
    return s.substring(0, end) + "…";
  }

  private static String preview(HealthResponse response) {
    String text = response.bodyText().replaceAll("\\s+", " ").strip();
    return text.isEmpty() ? "(empty)" : truncate(text, 120);
  }
}
