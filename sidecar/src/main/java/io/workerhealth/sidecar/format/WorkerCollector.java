package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where a format puts what it reads, in the order it reads it. Keeps the report small and valid whatever the body,
 * and never lets an ambiguous body look healthier than it is:
 * <ul>
 *   <li>names are stripped, cut to {@value HealthFormats#MAX_NAME_LENGTH} characters, blank ones become
 *       {@code unnamed}; names that then collide (duplicate JSON keys, names differing only in surrounding white
 *       space) are one worker with the <em>worse</em> status, and its message says it was reported more than once;</li>
 *   <li>at most {@value WorkerHealthStatus#MAX_WORKERS} workers are kept; past that, a reading replaces the least
 *       severe kept one when it is more severe (so a failed worker is never hidden behind healthy ones), the rest are
 *       counted as dropped;</li>
 *   <li>workers the {@link WorkerFilter} leaves out are not listed, but still count as explaining the app's overall
 *       status;</li>
 *   <li>the app's overall status is the report when it lists no workers, and is added when no worker explains it:
 *       as the synthetic worker {@value ParsedHealth#OVERALL_WORKER} (see {@link #finish}).</li>
 * </ul>
 * Memory is bounded by the kept workers: nothing is remembered of a dropped or excluded worker but counts.
 */
public final class WorkerCollector {

  private static final int MAX_LISTED_NAMES = 5;

  private final Predicate<String> reported;
  private final Map<String, Entry> kept = new LinkedHashMap<>();
  private int dropped;
  private WorkerStatus worstDropped;
  private int excluded;
  private WorkerStatus worstExcluded;
  private final List<String> excludedNotHealthy = new ArrayList<>();
  private String overallRaw;
  private WorkerStatus overallStatus;
  private String note;

  WorkerCollector(Predicate<String> reported) {
    this.reported = reported;
  }

  /** A collector that keeps every name (tests, and formats' own look-ahead). */
  static WorkerCollector unfiltered() {
    return new WorkerCollector(name -> true);
  }

  private static final class Entry {
    final String name;
    WorkerStatus status;
    String raw;
    String message;
    int times = 1;

    Entry(String name, WorkerStatus status, String raw, String message) {
      this.name = name;
      this.status = status;
      this.raw = raw;
      this.message = message;
    }
  }

  /** One worker as read; returns its status (Unknown when null). */
  WorkerStatus add(String rawName, WorkerStatus status, String raw, String message) {
    WorkerStatus s = status == null ? WorkerStatus.Unknown : status;
    String name = name(rawName);
    if (!reported.test(name)) {
      excluded++;
      worstExcluded = worse(worstExcluded, s);
      if (s != WorkerStatus.Healthy && excludedNotHealthy.size() < MAX_LISTED_NAMES
          && !excludedNotHealthy.contains(name)) {
        excludedNotHealthy.add(name);
      }
      return s;
    }
    Entry e = kept.get(name);
    if (e != null) {
      e.times++;
      if (severity(s) > severity(e.status)) {
        e.status = s;
        e.raw = HealthFormats.truncate(raw, HealthFormats.MAX_RAW_STATUS_LENGTH);
        e.message = HealthFormats.truncate(message, HealthFormats.MAX_MESSAGE_LENGTH);
      }
      return s;
    }
    if (kept.size() >= WorkerHealthStatus.MAX_WORKERS) {
      Entry least = leastSevere(kept.values());
      if (least == null || severity(s) <= severity(least.status)) {
        drop(s);
        return s;
      }
      kept.remove(least.name);
      drop(least.status);
    }
    kept.put(name, new Entry(name, s, HealthFormats.truncate(raw, HealthFormats.MAX_RAW_STATUS_LENGTH),
        HealthFormats.truncate(message, HealthFormats.MAX_MESSAGE_LENGTH)));
    return s;
  }

  /** The app's own overall status word, and what the format makes of it (null: the format has none). */
  void overall(String raw, WorkerStatus status) {
    this.overallRaw = raw;
    this.overallStatus = raw == null && status == null ? null : (status == null ? WorkerStatus.Unknown : status);
  }

  /** What the format knows about a body that lists no workers (e.g. that Spring hides its components). */
  void note(String note) {
    this.note = note;
  }

  /** Whether any worker was read so far, reported or not. */
  boolean anyRead() {
    return !kept.isEmpty() || dropped > 0 || excluded > 0;
  }

  private void drop(WorkerStatus s) {
    dropped++;
    worstDropped = worse(worstDropped, s);
  }

  /**
   * The bounded result. The app's verdict is its overall status word and, when the HTTP status is 5xx, Failed
   * (the worse of the two). When the verdict is worse than every worker the body lists (reported, excluded or dropped),
   * or the body lists no reported worker at all, the synthetic worker {@value ParsedHealth#OVERALL_WORKER} carries it,
   * first in the list, with a message saying why; so a body that says it is unhealthy never reports Healthy, and a
   * policy can name that worker. Without a verdict (a format with no overall word, HTTP 2xx) nothing is added.
   */
  ParsedHealth finish(SourceFormat format, int httpStatus) {
    WorkerStatus verdict = overallStatus;
    boolean httpFailed = httpStatus >= 500;
    if (httpFailed) {
      verdict = worse(verdict, WorkerStatus.Failed);
    }
    List<WorkerReading> workers = new ArrayList<>();
    WorkerStatus worstListed = null;
    for (Entry e : kept.values()) {
      worstListed = worse(worstListed, e.status);
      String message = e.message;
      if (e.times > 1) {
        String merged = "reported " + e.times + " times under this name (repeated or white-space-differing names); "
            + "the worst status is kept";
        message = HealthFormats.truncate(message == null ? merged : message + " [" + merged + "]",
            HealthFormats.MAX_MESSAGE_LENGTH);
      }
      workers.add(new WorkerReading(e.name, e.status, e.raw, message));
    }
    if (verdict != null) {
      WorkerStatus worstAll = worse(worse(worstListed, worstDropped), worstExcluded);
      boolean unexplained = severity(verdict) > severity(worstAll);
      if (kept.isEmpty() || unexplained) {
        String said = overallRaw == null ? "HTTP " + httpStatus
            : overallRaw + (httpFailed ? " (HTTP " + httpStatus + ")" : "");
        WorkerStatus status = unexplained ? verdict : WorkerStatus.Healthy;
        String message = overallMessage(said, unexplained, verdict);
        WorkerReading overall = new WorkerReading(ParsedHealth.OVERALL_WORKER, status,
            HealthFormats.truncate(overallRaw != null ? overallRaw : "HTTP " + httpStatus,
                HealthFormats.MAX_RAW_STATUS_LENGTH),
            HealthFormats.truncate(message, HealthFormats.MAX_MESSAGE_LENGTH));
        workers = withOverall(workers, overall);
      }
    }
    return new ParsedHealth(format, HealthFormats.truncate(overallRaw, HealthFormats.MAX_RAW_STATUS_LENGTH), workers,
        dropped);
  }

  private String overallMessage(String said, boolean unexplained, WorkerStatus verdict) {
    StringBuilder m = new StringBuilder();
    if (kept.isEmpty() && excluded == 0 && dropped == 0) {
      m.append("the app lists no workers, only its overall status");
    } else if (kept.isEmpty()) {
      m.append("every worker the app lists (").append(excluded).append(") is left out by the worker filter; "
          + "this is the app's overall status");
    } else {
      m.append("the app reports ").append(said).append(", which none of its listed workers explains (none is ")
          .append(verdict).append(')');
    }
    if (!unexplained && severity(verdict) > 0 && !excludedNotHealthy.isEmpty()) {
      m.append("; its ").append(said).append(" comes from workers left out by the worker filter: ")
          .append(String.join(", ", excludedNotHealthy));
    } else if (kept.isEmpty() && !said.equals(overallRaw)) {
      m.append(", ").append(said);
    }
    if (note != null) {
      m.append("; ").append(note);
    }
    return m.toString();
  }

  /** The synthetic worker first; merged with a real worker of the same name (worse wins); within the bound. */
  private List<WorkerReading> withOverall(List<WorkerReading> workers, WorkerReading overall) {
    List<WorkerReading> out = new ArrayList<>(workers.size() + 1);
    WorkerReading first = overall;
    for (WorkerReading w : workers) {
      if (w.name().equals(overall.name())) {
        first = severity(w.status()) > severity(overall.status()) ? w : overall;
      } else {
        out.add(w);
      }
    }
    if (out.size() >= WorkerHealthStatus.MAX_WORKERS) {
      int least = 0;
      for (int i = 0; i < out.size(); i++) {
        if (severity(out.get(i).status()) <= severity(out.get(least).status())) {
          least = i;
        }
      }
      out.remove(least);
      dropped++;
    }
    out.add(0, first);
    return out;
  }

  private static Entry leastSevere(Iterable<Entry> entries) {
    Entry least = null;
    for (Entry e : entries) {
      if (least == null || severity(e.status) <= severity(least.status)) {
        least = e; // the last of the least severe: the app's first workers stay listed
      }
    }
    return least;
  }

  static String name(String raw) {
    String name = raw == null || raw.isBlank() ? "unnamed" : raw.strip();
    return HealthFormats.truncate(name, HealthFormats.MAX_NAME_LENGTH);
  }

  /** Healthy &lt; Unknown &lt; Degraded &lt; Failed: what "worse" means wherever two readings disagree. */
  static int severity(WorkerStatus s) {
    if (s == null) {
      return -1;
    }
    return switch (s) {
      case Healthy -> 0;
      case Unknown -> 1;
      case Degraded -> 2;
      case Failed -> 3;
    };
  }

  static WorkerStatus worse(WorkerStatus a, WorkerStatus b) {
    return severity(b) > severity(a) ? b : a;
  }
}
