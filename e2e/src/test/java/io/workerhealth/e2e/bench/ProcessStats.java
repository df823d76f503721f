package io.workerhealth.e2e.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a process on this machine costs, read from /proc (CPU, RSS) and from jcmd (a JVM's heap after a full GC). */
final class ProcessStats {

  /** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ). */
  private static final double TICKS_PER_SECOND = 100.0;
  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  private ProcessStats() {}

  /** CPU seconds (user + system) the process used so far. */
  static double cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"), StandardCharsets.US_ASCII);
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after the command: state(0) ppid(1) ... utime(11) stime(12)
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (IOException e) {
      throw new IllegalStateException("no /proc entry for pid " + pid, e);
    }
  }

  /** Resident set size in MiB. */
  static double rssMiB(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
      return Double.NaN;
    } catch (IOException e) {
      throw new IllegalStateException("no /proc entry for pid " + pid, e);
    }
  }

  /** The heap a JVM uses right after a full GC (jcmd GC.run, then GC.heap_info), in MiB. */
  static double heapAfterGcMiB(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    long usedK = 0;
    for (String line : info.split("\n")) {
      // Serial GC: one line per generation ("def new generation ... used 1234K", "tenured generation ... used")
      if (line.contains("generation")) {
        Matcher m = USED.matcher(line);
        if (m.find()) {
          usedK += Long.parseLong(m.group(1));
        }
      }
    }
    return usedK / 1024.0;
  }

  /** The classes taking most of the heap (after a full GC), as jcmd prints them. */
  static String histogram(long pid) throws IOException, InterruptedException {
    String[] lines = jcmd(pid, "GC.class_histogram").split("\n");
    return String.join("\n", java.util.Arrays.copyOf(lines, Math.min(lines.length, 40))) + "\n";
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of("jcmd", String.valueOf(pid), command)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("jcmd " + pid + " " + command + " failed: " + out);
    }
    return out;
  }

  /** The 1-minute load average of the machine. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }
}
