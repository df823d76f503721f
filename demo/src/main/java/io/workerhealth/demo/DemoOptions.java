package io.workerhealth.demo;

import java.util.List;

/**
 * The demo's command line.
 *
 * @param mock         {@code --mock}: use the fabric8 mock API server even when the control plane's binaries exist
 * @param keepRunning  {@code --keep-running}: after the scenarios, keep the local control plane running for kubectl
 * @param help         {@code -h}, {@code --help}
 */
public record DemoOptions(boolean mock, boolean keepRunning, boolean help) {

  public static final String USAGE = """
      Usage: bash scripts/demo.sh [--mock] [--keep-running]

      Runs the whole Worker Health loop on this machine: a Kubernetes API, the sample app as 3 pods of a Deployment,
      a sidecar per pod and the operator, and plays scenarios, printing what kubectl would show.

        --mock          use the embedded fabric8 mock API server even if the local control plane's binaries
                        (scripts/control-plane.sh) are present
        --keep-running  after the scenarios, keep the local control plane running and print its kubeconfig, to
                        explore with kubectl (needs the control plane's binaries; stop with Ctrl-C)
        -h, --help      this text

      Exit code: 0 when every scenario's expectations held, 1 when one did not, 2 on a usage or start-up error.
      """;

  /** @throws IllegalArgumentException naming the argument that is not understood */
  public static DemoOptions parse(List<String> args) {
    boolean mock = false;
    boolean keepRunning = false;
    boolean help = false;
    for (String arg : args) {
      switch (arg) {
        case "--mock" -> mock = true;
        case "--keep-running" -> keepRunning = true;
        case "-h", "--help" -> help = true;
        default -> throw new IllegalArgumentException("unknown argument: " + arg);
      }
    }
    if (mock && keepRunning) {
      throw new IllegalArgumentException("--keep-running needs the local control plane; it cannot go with --mock");
    }
    return new DemoOptions(mock, keepRunning, help);
  }
}
