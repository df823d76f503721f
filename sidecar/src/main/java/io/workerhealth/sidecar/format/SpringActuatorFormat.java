package io.workerhealth.sidecar.format;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Spring Boot Actuator's health endpoint ({@code /actuator/health}, a group such as {@code /actuator/health/workers},
 * or one component's path). Boot 2.2 and later: {@code {"status":"UP","components":{"db":{"status":"UP",
 * "details":{…}},"kafka":{"status":"DOWN","components":{…}}}}}; nested components are joined with '/', and a
 * component with components of its own is listed through them. {@code details} are never workers, except in
 * Spring Boot 2.0/2.1 bodies, which have no {@code components} anywhere and put a composite's children in its
 * {@code details}: there, and only there, a {@code details} object whose every value is an object with a
 * {@code status} is read as children.
 *
 * <p>A body that lists no components (Spring hides them unless {@code show-components} / {@code show-details} allow,
 * e.g. {@code when-authorized} without credentials, or only names its groups) reports its overall status.
 * Composites nested deeper than {@value #MAX_DEPTH} levels are listed as one worker with their own (aggregated)
 * status, the message saying how many components below are not listed.
 */
public final class SpringActuatorFormat implements HealthFormat {

  static final int MAX_DEPTH = 16;
  /** Values read of one Spring Boot 2.0 component's {@code details}, to tell children from details. */
  private static final int BOOT20_DETAILS_VALUES = 4096;
  private static final int MAX_GROUP_NAMES = 8;
  /** Everything Spring writes at the top level of a health body. */
  private static final Set<String> ROOT_FIELDS = Set.of("status", "description", "components", "details", "groups");
  /** Spring's status codes are upper case (UP, DOWN, OUT_OF_SERVICE, UNKNOWN and custom ones such as FATAL). */
  private static final Pattern STATUS_CODE = Pattern.compile("[A-Z][A-Z0-9_]*");

  @Override
  public SourceFormat id() {
    return SourceFormat.SPRING;
  }

  @Override
  public boolean recognizes(HealthResponse response, JsonShape shape) {
    if (!shape.isObject() || shape.status() == null || !shape.onlyFields(ROOT_FIELDS)) {
      return false;
    }
    return shape.field("components") == JsonToken.START_OBJECT || shape.field("groups") == JsonToken.START_ARRAY
        || STATUS_CODE.matcher(shape.status()).matches();
  }

  @Override
  public void parse(HealthResponse response, JsonShape shape, WorkerCollector out)
      throws IOException, HealthParseException {
    // A Boot 2.0 body: no components, and details whose every value is a health (decided before reading, from the
    // shape pass, so that the order of the fields does not matter).
    boolean boot20 = shape.field("components") == null && shape.detailsAllStatusObjects();
    String overall = null;
    String error = null;
    List<String> groups = new ArrayList<>();
    int moreGroups = 0;
    try (JsonParser p = JsonBody.open(response)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new HealthParseException(ScrapeErrorReason.ParseError, "spring body needs a 'status' string");
      }
      while (JsonBody.nextField(p)) {
        switch (p.currentName()) {
          case "status" -> overall = StatusWords.worse(overall, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              SpringActuatorFormat::status);
          case "components" -> {
            if (p.currentToken() == JsonToken.START_OBJECT) {
              readComponents(p, "", 1, out);
            } else {
              p.skipChildren();
            }
          }
          case "details" -> {
            if (p.currentToken() != JsonToken.START_OBJECT) {
              p.skipChildren();
            } else if (boot20) {
              readBoot20Components(p, out);
            } else {
              error = detailsError(p);
            }
          }
          case "groups" -> {
            if (p.currentToken() == JsonToken.START_ARRAY) {
              while (p.nextToken() != JsonToken.END_ARRAY) {
                String g = JsonBody.text(p, HealthFormats.MAX_NAME_LENGTH);
                if (g != null && groups.size() < MAX_GROUP_NAMES) {
                  groups.add(g);
                } else if (g != null) {
                  moreGroups++;
                }
              }
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
      JsonBody.expectEnd(p);
    }
    if (overall == null) {
      throw new HealthParseException(ScrapeErrorReason.ParseError, "spring body needs a 'status' string");
    }
    out.overall(overall, status(overall));
    if (!out.anyRead()) {
      StringBuilder note = new StringBuilder("Spring lists no components here: its show-components / show-details "
          + "settings hide them (never, or when-authorized without credentials), or this path is a single component");
      if (!groups.isEmpty()) {
        note.append("; health groups: ").append(String.join(", ", groups))
            .append(moreGroups > 0 ? " and " + moreGroups + " more" : "")
            .append(" (scrape a group's path, e.g. /actuator/health/")
            .append(groups.stream().filter(g -> !g.equals("liveness") && !g.equals("readiness")).findFirst()
                .orElse(groups.get(0))).append(')');
      }
      if (error != null) {
        note.append("; error: ").append(error);
      }
      out.note(note.toString());
    }
  }

  /** At a {@code components} object: reads each component; returns the worst status listed below it. */
  private static WorkerStatus readComponents(JsonParser p, String prefix, int depth, WorkerCollector out)
      throws IOException {
    WorkerStatus worst = null;
    while (JsonBody.nextField(p)) {
      String name = prefix + p.currentName();
      if (p.currentToken() == JsonToken.START_OBJECT) {
        worst = WorkerCollector.worse(worst, readComponent(p, name, depth, out));
      } else {
        p.skipChildren(); // not a component
      }
    }
    return worst;
  }

  /** At a component object: its children when it has some, else itself; returns the worst status listed. */
  private static WorkerStatus readComponent(JsonParser p, String name, int depth, WorkerCollector out)
      throws IOException {
    String raw = null;
    String error = null;
    String description = null;
    WorkerStatus children = null;
    int hidden = 0;
    while (JsonBody.nextField(p)) {
      switch (p.currentName()) {
        case "status" -> raw = StatusWords.worse(raw, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
            SpringActuatorFormat::status);
        case "description" -> description = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
        case "components" -> {
          if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
          } else if (depth < MAX_DEPTH) {
            children = WorkerCollector.worse(children, readComponents(p, name + "/", depth + 1, out));
          } else {
            hidden += countFields(p);
          }
        }
        case "details" -> {
          if (p.currentToken() == JsonToken.START_OBJECT) {
            error = detailsError(p);
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
    return listed(name, raw, error != null ? error : description, children, hidden, out);
  }

  /**
   * A component whose children were listed is not listed itself, unless its own status is worse than all of theirs
   * (then nothing else would show it); one without listed children is a worker.
   */
  private static WorkerStatus listed(String name, String raw, String message, WorkerStatus children, int hidden,
                                     WorkerCollector out) {
    WorkerStatus own = status(raw);
    if (children != null && WorkerCollector.severity(own) <= WorkerCollector.severity(children)) {
      return children;
    }
    String m = message;
    if (children != null) {
      m = "reports " + raw + ", which none of its components explains" + (m == null ? "" : ": " + m);
    }
    if (hidden > 0) {
      m = hidden + " nested components not listed (nested deeper than " + MAX_DEPTH + " levels); this is their "
          + "aggregated status" + (m == null ? "" : ": " + m);
    }
    out.add(name, own, raw, m);
    return WorkerCollector.worse(children, own);
  }

  /** Spring Boot 2.0/2.1, at the root's {@code details}: each component streamed, its own details as a small tree. */
  private static void readBoot20Components(JsonParser p, WorkerCollector out) throws IOException {
    while (JsonBody.nextField(p)) {
      String name = p.currentName();
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      String raw = null;
      BoundedTree details = null;
      while (JsonBody.nextField(p)) {
        switch (p.currentName()) {
          case "status" -> raw = StatusWords.worse(raw, JsonBody.text(p, HealthFormats.MAX_RAW_STATUS_LENGTH),
              SpringActuatorFormat::status);
          case "details" -> details = BoundedTree.read(p, BOOT20_DETAILS_VALUES);
          default -> p.skipChildren();
        }
      }
      if (details != null && details.truncated()) {
        listed(name, raw, "details too large to read (more than " + BOOT20_DETAILS_VALUES + " values); this is the "
            + "component's own status", null, 0, out);
      } else {
        boot20Component(name, raw, details == null ? null : details.root(), 1, out);
      }
    }
  }

  /** A Spring Boot 2.0/2.1 component: its children are in its {@code details} when each value there is a health. */
  private static WorkerStatus boot20Component(String name, String raw, JsonNode details, int depth,
                                              WorkerCollector out) {
    WorkerStatus children = null;
    int hidden = 0;
    String error = null;
    if (details != null && allStatusObjects(details)) {
      if (depth < MAX_DEPTH) {
        for (Iterator<Map.Entry<String, JsonNode>> it = details.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          JsonNode c = e.getValue();
          children = WorkerCollector.worse(children, boot20Component(name + "/" + e.getKey(),
              c.path("status").asText(), c.path("details"), depth + 1, out));
        }
      } else {
        hidden = details.size();
      }
    } else if (details != null && details.path("error").isValueNode() && !details.path("error").isNull()) {
      error = details.path("error").asText();
    }
    return listed(name, raw, error, children, hidden, out);
  }

  private static boolean allStatusObjects(JsonNode node) {
    if (!node.isObject() || node.isEmpty()) {
      return false;
    }
    for (JsonNode child : node) {
      if (!child.isObject() || !child.path("status").isTextual()) {
        return false;
      }
    }
    return true;
  }

  /** At a {@code details} object: its {@code error} text, the rest skipped. */
  private static String detailsError(JsonParser p) throws IOException {
    String error = null;
    while (JsonBody.nextField(p)) {
      if (p.currentName().equals("error") && error == null) {
        error = JsonBody.text(p, HealthFormats.MAX_MESSAGE_LENGTH);
      } else {
        p.skipChildren();
      }
    }
    return error;
  }

  private static int countFields(JsonParser p) throws IOException {
    int n = 0;
    while (JsonBody.nextField(p)) {
      n++;
      p.skipChildren();
    }
    return n;
  }

  static WorkerStatus status(String raw) {
    if (raw == null) {
      return WorkerStatus.Unknown;
    }
    return switch (raw.strip().toUpperCase(Locale.ROOT)) {
      case "UP" -> WorkerStatus.Healthy;
      case "DOWN", "OUT_OF_SERVICE" -> WorkerStatus.Failed;
      case "UNKNOWN" -> WorkerStatus.Unknown;
      default -> StatusWords.common(raw);
    };
  }
}
