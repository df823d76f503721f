package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.SourceFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which of the workers an app lists are reported: names matching an include glob and no exclude glob ({@code *} any
 * characters, {@code /} included; {@code ?} one character; case-sensitive, as in policies' {@code workers}).
 *
 * <p>Unless exclusions are configured, Spring Boot's own indicators are left out of Spring bodies: they say
 * nothing about the app's workers, and {@code readinessState} is {@code OUT_OF_SERVICE} during every normal warm-up.
 * Excluded workers still explain the app's overall status (see {@link WorkerCollector}).
 *
 * @param include globs a reported worker matches (empty: every worker)
 * @param exclude globs no reported worker matches; null: the format's defaults ({@link #SPRING_FRAMEWORK_INDICATORS}
 *                for Spring, nothing for the others)
 */
public record WorkerFilter(List<String> include, List<String> exclude) {

  /** Spring Boot's built-in indicators that are about the process or the host rather than the app's workers. */
  public static final List<String> SPRING_FRAMEWORK_INDICATORS =
      List.of("diskSpace", "ping", "ssl", "livenessState", "readinessState");

  /** Every worker, and the format's default exclusions. */
  public static final WorkerFilter DEFAULT = new WorkerFilter(List.of(), null);

  public WorkerFilter {
    include = include == null ? List.of() : List.copyOf(include);
    exclude = exclude == null ? null : List.copyOf(exclude);
  }

  /** Comma-separated globs, blanks dropped: {@code "diskSpace, ping,kafka/*"}. */
  public static List<String> globs(String text) {
    List<String> globs = new ArrayList<>();
    if (text != null) {
      for (String g : text.split(",")) {
        if (!g.isBlank()) {
          globs.add(g.strip());
        }
      }
    }
    return globs;
  }

  /** The exclusions that apply to bodies of {@code format}. */
  public List<String> exclusionsFor(SourceFormat format) {
    if (exclude != null) {
      return exclude;
    }
    return format == SourceFormat.SPRING ? SPRING_FRAMEWORK_INDICATORS : List.of();
  }

  /** Whether a worker of that name is reported, for bodies of {@code format}. */
  Predicate<String> forFormat(SourceFormat format) {
    List<Pattern> in = include.stream().map(WorkerFilter::glob).toList();
    List<Pattern> out = exclusionsFor(format).stream().map(WorkerFilter::glob).toList();
    return name -> (in.isEmpty() || in.stream().anyMatch(p -> p.matcher(name).matches()))
        && out.stream().noneMatch(p -> p.matcher(name).matches());
  }

  static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
