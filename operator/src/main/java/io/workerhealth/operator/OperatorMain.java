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
    System.exit(commandLine().execute(args.length == 0 ? new String[] {"run"} : args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new OperatorMain());
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
