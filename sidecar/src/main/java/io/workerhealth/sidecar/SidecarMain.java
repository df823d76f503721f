package io.workerhealth.sidecar;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the sidecar jar: {@code run} (the default) or {@code scrape}. */
@Command(name = "worker-health-sidecar", mixinStandardHelpOptions = true, version = "worker-health-sidecar 0.1.0",
    subcommands = {RunCommand.class, ScrapeCommand.class},
    description = "Reports an app's per-worker health into a WorkerHealth resource.")
public final class SidecarMain implements Runnable {

  public static void main(String[] args) {
    if (args.length == 0 || (args.length == 1 && args[0].equals("run"))) {
      // The container's command: no options to parse, so the command-line parser (some 170 classes kept in memory
      // for the life of the process) is not loaded. `run --help` and `scrape` go through it.
      int code;
      try {
        code = new RunCommand().call();
      } catch (Exception e) {
        LoggerFactory.getLogger(SidecarMain.class).error("the sidecar could not start", e);
        code = 1;
      }
      System.exit(code);
    }
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new SidecarMain()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
