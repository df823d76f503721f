package io.workerhealth.operator.planning;

import io.workerhealth.api.v1alpha1.WorkerHealthStatus;
import io.workerhealth.api.v1alpha1.WorkerState;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.format.SignStyle;
import java.time.temporal.ChronoField;

/**
 * The times a sidecar reports, checked before they are believed. The API server stores any string in them (the
 * schema has no format), so a report may carry a time that is not RFC 3339, one so far out that arithmetic on it
 * overflows ({@code +1000000000-12-31T23:59:59Z}), or one from the future, which would never turn stale. Such a
 * report, or worker, is Unknown: never acted on, and the skip says why ({@link SkipReason#InvalidTimestamp}).
 *
 * <p>Times up to {@link #CLOCK_SKEW} ahead of the operator's clock are believed (as "now"): the sidecar's node and
 * the operator's may disagree by that much without anything being wrong.
 */
public final class ReportTimes {

  /** How far ahead of the operator's clock a reported time may be and still be believed. */
  public static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

  /** RFC 3339 date-time: four-digit year, 'T' or 't', optional fraction, 'Z'/'z' or a numeric offset. */
  private static final DateTimeFormatter RFC_3339 = new DateTimeFormatterBuilder()
      .parseCaseInsensitive()
      .appendValue(ChronoField.YEAR, 4, 4, SignStyle.NOT_NEGATIVE).appendLiteral('-')
      .appendValue(ChronoField.MONTH_OF_YEAR, 2).appendLiteral('-')
      .appendValue(ChronoField.DAY_OF_MONTH, 2).appendLiteral('T')
      .appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
      .appendValue(ChronoField.MINUTE_OF_HOUR, 2).appendLiteral(':')
      .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
      .appendOffset("+HH:MM", "Z")
      .toFormatter()
      .withResolverStyle(ResolverStyle.STRICT)
      .withChronology(java.time.chrono.IsoChronology.INSTANCE);

  private ReportTimes() {}

  /** An RFC 3339 time (years 0000 to 9999), or null for anything else, null included. Never throws. */
  public static Instant parse(String text) {
    if (text == null || text.length() > 64) {
      return null;
    }
    try {
      return java.time.OffsetDateTime.parse(text, RFC_3339).toInstant();
    } catch (DateTimeParseException | ArithmeticException e) {
      return null;
    }
  }

  /**
   * Why the report as a whole cannot be believed: its lastScrapeTime (or lastSuccessfulScrapeTime) is not a time, or
   * lies further in the future than {@link #CLOCK_SKEW}. Null when it can be (a missing lastScrapeTime is "never
   * reported", which staleness covers).
   */
  public static String reportProblem(WorkerHealthStatus s, Instant now) {
    if (s == null) {
      return null;
    }
    String problem = problem("lastScrapeTime", s.getLastScrapeTime(), now);
    return problem != null ? problem : problem("lastSuccessfulScrapeTime", s.getLastSuccessfulScrapeTime(), now);
  }

  /** Why a worker's lastTransitionTime cannot be believed, or null. */
  public static String workerProblem(WorkerState w, Instant now) {
    return problem("worker " + w.getName() + " lastTransitionTime", w.getLastTransitionTime(), now);
  }

  /** When the report was scraped, as believed (a time within the clock skew counts as now), or null. */
  public static Instant scrapeTime(WorkerHealthStatus s, Instant now) {
    return believed(s.getLastScrapeTime(), now);
  }

  /** When the report last succeeded, as believed, or null. */
  public static Instant successfulScrapeTime(WorkerHealthStatus s, Instant now) {
    return believed(s.getLastSuccessfulScrapeTime(), now);
  }

  /**
   * Since when the worker has had its status: its lastTransitionTime as believed; {@code now} when the sidecar did
   * not say (the state has not held for any time yet); null when the time cannot be believed.
   */
  public static Instant transitionTime(WorkerState w, Instant now) {
    if (w.getLastTransitionTime() == null) {
      return now;
    }
    return believed(w.getLastTransitionTime(), now);
  }

  private static Instant believed(String text, Instant now) {
    Instant t = parse(text);
    if (t == null || t.isAfter(now.plus(CLOCK_SKEW))) {
      return null;
    }
    return t.isAfter(now) ? now : t;
  }

  private static String problem(String field, String text, Instant now) {
    if (text == null) {
      return null;
    }
    Instant t = parse(text);
    if (t == null) {
      return field + " '" + shorten(text) + "' is not an RFC 3339 time: state unknown";
    }
    if (t.isAfter(now.plus(CLOCK_SKEW))) {
      return field + " " + text + " is " + Duration.between(now, t).toSeconds() + "s in the future (more than the "
          + CLOCK_SKEW.toSeconds() + "s of clock skew allowed): state unknown";
    }
    return null;
  }

  private static String shorten(String text) {
    return text.length() > 64 ? text.substring(0, 64) + "…" : text;
  }
}
