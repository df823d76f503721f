package io.workerhealth.sidecar;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the sidecar jar: {@code run} (the default) or {@code scrape}. */
@Command(name = "worker-health-sidecar", mixinStandardHelpOptions = true, version = "worker-health-sidecar 0.1.0",
    subcommands = {RunCommand.class, ScrapeCommand.class},
    description = "Reports an app's per-worker health into a WorkerHealth resource.")
public final class SidecarMain implements Runnable {

  /**
   * Bad arguments or configuration (sysexits' EX_USAGE): distinct from the {@code scrape} results 0, 1 and 2, so an
   * exec probe never reads a typo as "unhealthy" or "unreachable".
   */
  public static final int USAGE = 64;
  /** A failure of the sidecar itself (sysexits' EX_SOFTWARE); never expected. */
  public static final int INTERNAL_ERROR = 70;

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

  /**
   * The command line: a usage error prints one line (and how to get help) and exits {@link #USAGE}; an unexpected
   * failure prints one line and exits {@link #INTERNAL_ERROR}. Neither prints a stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new SidecarMain()).setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler((e, args) -> {
      CommandLine failed = e.getCommandLine();
      failed.getErr().println(failed.getCommandSpec().qualifiedName() + ": "
          + e.getMessage().strip().replaceAll("\\s*\\R\\s*", "; ") + " (see --help)");
      failed.getErr().flush();
      return USAGE;
    });
    cli.setExecutionExceptionHandler((e, failed, parsed) -> {
      failed.getErr().println(failed.getCommandSpec().qualifiedName() + ": internal error: " + e);
      failed.getErr().flush();
      return INTERNAL_ERROR;
    });
    return cli;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
