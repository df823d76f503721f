package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes components' {@code /livez?verbose} and {@code /readyz?verbose} text: {@code [+]ping ok},
 * {@code [-]etcd failed: reason withheld}, {@code [+]etcd excluded: ok}, and a last line such as
 * {@code livez check passed} (answered with 500 when a check failed). Read line by line from the bytes: a line is
 * decoded only up to the longest name and message kept.
 */
public final class KubernetesVerboseFormat implements HealthFormat {

  private static final Pattern CHECK = Pattern.compile("^\\[([+-])]\\s*(\\S+)\\s*(.*)$", Pattern.DOTALL);
  private static final Pattern VERDICT = Pattern.compile("^(\\S+) check (passed|failed)\\s*$");
  /** Bytes of a line decoded: a name and a message at their longest, in UTF-8. */
  private static final int MAX_LINE_BYTES = 4 * (HealthFormats.MAX_NAME_LENGTH + HealthFormats.MAX_MESSAGE_LENGTH + 16);

  @Override
  public SourceFormat id() {
    return SourceFormat.K8S;
  }

  @Override
  public boolean recognizes(HealthResponse response, JsonShape shape) {
    byte[] b = response.body();
    int i = 0;
    while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
      i++;
    }
    return i + 2 < b.length && b[i] == '[' && (b[i + 1] == '+' || b[i + 1] == '-') && b[i + 2] == ']';
  }

  @Override
  public void parse(HealthResponse response, JsonShape shape, WorkerCollector out) throws HealthParseException {
    byte[] b = response.body();
    String verdict = null;
    boolean any = false;
    int start = 0;
    while (start <= b.length) {
      int end = start;
      while (end < b.length && b[end] != '\n') {
        end++;
      }
      String line = new String(b, start, Math.min(end - start, MAX_LINE_BYTES), StandardCharsets.UTF_8).strip();
      start = end + 1;
      if (line.isEmpty()) {
        continue;
      }
      Matcher m = CHECK.matcher(line);
      if (m.matches()) {
        any = true;
        boolean ok = m.group(1).equals("+");
        String rest = m.group(3).strip();
        String message = null;
        if (!ok) {
          message = rest.startsWith("failed:") ? rest.substring("failed:".length()).strip() : rest;
          message = message.isEmpty() ? null : message;
        } else if (rest.startsWith("excluded")) {
          message = "excluded from the check by the component";
        }
        out.add(m.group(2), ok ? WorkerStatus.Healthy : WorkerStatus.Failed, ok ? "ok" : "failed", message);
        continue;
      }
      Matcher v = VERDICT.matcher(line);
      if (v.matches()) {
        verdict = v.group(2).equals("passed") ? "ok" : "failed";
      }
    }
    if (!any) {
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          "no [+]/[-] check lines: not a Kubernetes verbose health body");
    }
    out.overall(verdict, verdict == null ? null : verdict.equals("ok") ? WorkerStatus.Healthy : WorkerStatus.Failed);
  }
}
