package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a health response in the requested format, or detects it, and bounds the result so that no app can make the
 * sidecar write an oversized or invalid WorkerHealth, or run out of memory: bodies are streamed (see
 * {@link JsonBody}), at most {@value WorkerHealthStatus#MAX_WORKERS} workers are kept (see {@link WorkerCollector}),
 * names, status words and messages are cut to their limits. Pure: a body and an HTTP status in, a
 * {@link ParsedHealth} or a {@link HealthParseException} out.
 */
public final class HealthFormats {

  public static final int MAX_NAME_LENGTH = 253;
  public static final int MAX_RAW_STATUS_LENGTH = 64;
  public static final int MAX_MESSAGE_LENGTH = 1024;

  private final List<HealthFormat> detectionOrder;
  private final Map<SourceFormat, HealthFormat> byId = new LinkedHashMap<>();
  private final WorkerFilter filter;

  /** All built-in formats; {@code custom} may be null when no custom format is configured. Default worker filter. */
  public HealthFormats(CustomFormatConfig custom) {
    this(custom, WorkerFilter.DEFAULT);
  }

  /** All built-in formats, the custom one when configured, and which workers are reported. */
  public HealthFormats(CustomFormatConfig custom, WorkerFilter filter) {
    this.detectionOrder = List.copyOf(builtIn(custom));
    for (HealthFormat f : detectionOrder) {
      byId.put(f.id(), f);
    }
    this.filter = filter == null ? WorkerFilter.DEFAULT : filter;
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
    JsonShape shape = JsonShape.of(response);
    HealthFormat format;
    if (requested == null || requested == SourceFormat.AUTO) {
      Optional<HealthFormat> detected = detect(response, shape);
      if (detected.isEmpty()) {
        if (shape.looksLikeJson() && shape.jsonError() != null) {
          // JSON that cannot be read (too deep, cut off, trailing content): say that, not "unknown format"
          throw new HealthParseException(ScrapeErrorReason.ParseError, shape.jsonError());
        }
        throw new HealthParseException(ScrapeErrorReason.UnknownFormat,
            "no known health format matched the body (HTTP " + response.httpStatus() + ", "
                + (response.contentType() == null ? "no content type" : response.contentType()) + ", "
                + response.body().length + " bytes" + fields(shape) + "): " + response.preview(120));
      }
      format = detected.get();
    } else {
      format = byId.get(requested);
      if (format == null) {
        throw new HealthParseException(ScrapeErrorReason.ParseError,
            "format '" + requested + "' is not configured (custom needs its pointers)");
      }
      mismatch(response, shape, format);
    }
    WorkerCollector out = new WorkerCollector(filter.forFormat(format.id()));
    try {
      format.parse(response, shape, out);
    } catch (HealthParseException e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw JsonBody.parseError(e);
    } catch (IOException | RuntimeException e) {
      // A format must never crash the sidecar, whatever the body.
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          format.id() + " body could not be read: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    return out.finish(format.id(), response.httpStatus());
  }

  /**
   * A forced format that does not recognize a body some other format does is misconfigured: reading the body anyway
   * would find no workers and report the app as it is not (an Outpost body read as Spring lists nothing).
   */
  private void mismatch(HealthResponse response, JsonShape shape, HealthFormat forced) throws HealthParseException {
    if (forced.id() == SourceFormat.CUSTOM || forced.recognizes(response, shape)) {
      return;
    }
    Optional<HealthFormat> other = detect(response, shape);
    if (other.isPresent() && other.get().id() != forced.id()) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "the body is not a " + forced.id() + " body"
          + expectation(forced.id()) + "; it looks like " + other.get().id() + " (set the format to "
          + other.get().id() + " or auto)");
    }
  }

  private static String expectation(SourceFormat format) {
    return switch (format) {
      case OUTPOST -> " (which needs an object 'workers' and a 'status')";
      case SPRING -> " (which has only status, components, details, groups at the top)";
      case ASPNET -> " (which needs an object 'entries')";
      case MICROPROFILE -> " (which needs an array 'checks' and a 'status')";
      case IETF -> " (which needs an object 'checks' of arrays, or Content-Type application/health+json)";
      case K8S -> " (which is text lines starting with [+] or [-])";
      default -> "";
    };
  }

  /**
   * What a format makes of one status word (case-insensitive; words outside its vocabulary fall back to the common
   * ones, else Unknown). For the documentation's tables and the tests that check them.
   */
  public static WorkerStatus statusWord(SourceFormat format, String word) {
    return switch (format) {
      case OUTPOST -> OutpostFormat.status(word);
      case SPRING, MICROPROFILE -> SpringActuatorFormat.status(word);
      case IETF -> IetfHealthFormat.status(word);
      case ASPNET -> AspNetFormat.status(word);
      case K8S -> word.strip().equalsIgnoreCase("ok") ? WorkerStatus.Healthy
          : word.strip().equalsIgnoreCase("failed") ? WorkerStatus.Failed : WorkerStatus.Unknown;
      default -> StatusWords.common(word);
    };
  }

  /** The first format that recognizes the response. */
  public Optional<HealthFormat> detect(HealthResponse response) {
    return detect(response, JsonShape.of(response));
  }

  private Optional<HealthFormat> detect(HealthResponse response, JsonShape shape) {
    for (HealthFormat f : detectionOrder) {
      try {
        if (f.recognizes(response, shape)) {
          return Optional.of(f);
        }
      } catch (RuntimeException e) {
        // recognizes() must not throw; if it does, the format simply does not match
      }
    }
    return Optional.empty();
  }

  private static String fields(JsonShape shape) {
    return shape.isObject() && !shape.fieldNames().isEmpty()
        ? ", top-level fields " + String.join(", ", shape.fieldNames()) : "";
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
}
