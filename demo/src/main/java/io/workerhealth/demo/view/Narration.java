package io.workerhealth.demo.view;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** What the demo prints, each line stamped with the seconds since the demo started. Shared by threads. */
public final class Narration {

  private final PrintStream out;
  private final Clock clock;
  private final Instant start;

  public Narration(PrintStream out, Clock clock) {
    this.out = out;
    this.clock = clock;
    this.start = clock.instant();
  }

  public Duration elapsed() {
    return Duration.between(start, clock.instant());
  }

  public synchronized void heading(String title) {
    out.println();
    out.println("=== " + title + " ===");
  }

  public synchronized void say(String line) {
    out.println(stamp() + line);
  }

  /** A command line and what it printed, the output indented under it. */
  public synchronized void command(String command, String output) {
    out.println(stamp() + "$ " + command);
    output.lines().forEach(l -> out.println("    " + l));
  }

  public synchronized void plain(String line) {
    out.println(line);
  }

  private String stamp() {
    return String.format(Locale.ROOT, "[%5.1fs] ", elapsed().toMillis() / 1000.0);
  }
}
