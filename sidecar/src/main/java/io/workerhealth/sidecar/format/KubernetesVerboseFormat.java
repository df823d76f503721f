package io.workerhealth.sidecar.format;

import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.api.v1alpha1.WorkerStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes components' {@code /livez?verbose} and {@code /readyz?verbose} text: {@code [+]ping ok},
 * {@code [-]etcd failed: reason withheld}, and a last line such as {@code livez check passed}.
 */
public final class KubernetesVerboseFormat implements HealthFormat {

  private static final Pattern CHECK = Pattern.compile("^\\[([+-])]\\s*(\\S+)\\s*(.*)$");
  private static final Pattern VERDICT = Pattern.compile("^(\\S+) check (passed|failed)\\s*$");

  @Override
  public SourceFormat id() {
    return SourceFormat.K8S;
  }

  @Override
  public boolean recognizes(HealthResponse response) {
    String text = response.bodyText().stripLeading();
    return text.startsWith("[+]") || text.startsWith("[-]");
  }

  @Override
  public ParsedHealth parse(HealthResponse response) throws HealthParseException {
    List<WorkerReading> workers = new ArrayList<>();
    String verdict = null;
    for (String line : response.bodyText().split("\\R")) {
      String l = line.strip();
      if (l.isEmpty()) {
        continue;
      }
      Matcher m = CHECK.matcher(l);
      if (m.matches()) {
        boolean ok = m.group(1).equals("+");
        String rest = m.group(3).strip();
        String raw = ok ? "ok" : "failed";
        String message = null;
        if (!ok) {
          message = rest.startsWith("failed:") ? rest.substring("failed:".length()).strip() : rest;
          message = message.isEmpty() ? null : message;
        }
        workers.add(new WorkerReading(m.group(2), ok ? WorkerStatus.Healthy : WorkerStatus.Failed, raw, message));
        continue;
      }
      Matcher v = VERDICT.matcher(l);
      if (v.matches()) {
        verdict = v.group(2).equals("passed") ? "ok" : "failed";
      }
    }
    if (workers.isEmpty()) {
      throw new HealthParseException(ScrapeErrorReason.ParseError,
          "no [+]/[-] check lines: not a Kubernetes verbose health body");
    }
    return new ParsedHealth(id(), verdict, workers, 0);
  }
}
