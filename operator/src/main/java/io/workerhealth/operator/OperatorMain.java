package io.workerhealth.operator;

import io.workerhealth.operator.cli.PlanCommand;
import io.workerhealth.operator.cli.RunCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the operator jar: {@code run} (the default) or {@code plan}. */
@Command(name = "worker-health-operator", mixinStandardHelpOptions = true, version = "worker-health-operator 0.1.0",
    subcommands = {RunCommand.class, PlanCommand.class},
    description = "Acts on WorkerHealth: restarts pods whose workers stay failed, within safety limits.")
public final class OperatorMain implements Runnable {

  public static void main(String[] args) {
    respondWithoutNagleDelay();
    System.exit(commandLine().execute(args.length == 0 ? new String[] {"run"} : args));
  }

  /**
   * The JDK's HTTP server writes a response's headers and body separately; without TCP_NODELAY the body waits for
   * the client's delayed ACK of the headers (about 40 ms): every admission answer and metrics scrape would. Read once
   * per JVM, when its first HTTP server starts, so set before any.
   */
  public static void respondWithoutNagleDelay() {
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new OperatorMain());
    // a wrong option is answered in one line and a hint, with picocli's usage-error exit code 2
    cli.setParameterExceptionHandler((e, args) -> {
      CommandLine failed = e.getCommandLine();
      failed.getErr().println(e.getMessage());
      failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for usage.");
      failed.getErr().flush();
      return CommandLine.ExitCode.USAGE;
    });
    return cli;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
