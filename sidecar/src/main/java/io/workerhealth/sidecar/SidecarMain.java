package io.workerhealth.sidecar;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the sidecar jar: {@code run} (the default) or {@code scrape}. */
@Command(name = "worker-health-sidecar", mixinStandardHelpOptions = true, version = "worker-health-sidecar 0.1.0",
    subcommands = {RunCommand.class, ScrapeCommand.class},
    description = "Reports an app's per-worker health into a WorkerHealth resource.")
public final class SidecarMain implements Runnable {

  public static void main(String[] args) {
    String[] effective = args.length == 0 ? new String[] {"run"} : args;
    System.exit(commandLine().execute(effective));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new SidecarMain()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
