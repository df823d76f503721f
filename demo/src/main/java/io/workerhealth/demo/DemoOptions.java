package io.workerhealth.demo;

import java.util.List;

/**
 * The demo's command line.
 *
 * @param mock          {@code --mock}: use the fabric8 mock API server even when the control plane's binaries exist
 * @param controlPlane  {@code --control-plane}: the local control plane without a node, even when one could start
 * @param keepRunning   {@code --keep-running}: after the scenarios, keep the local cluster running for kubectl
 * @param help          {@code -h}, {@code --help}
 */
public record DemoOptions(boolean mock, boolean controlPlane, boolean keepRunning, boolean help) {

  public static final String USAGE = """
      Usage: bash scripts/demo.sh [--mock | --control-plane] [--keep-running]

      Runs the whole Worker Health loop on this machine: a Kubernetes API, the sample app as 3 pods of a Deployment,
      a sidecar per pod and the operator, and plays scenarios, printing what kubectl would show. The pods run in
      containers on a one-node cluster when one can start here (root, and scripts/control-plane.sh --node has run),
      else on the local control plane with their containers in this JVM, else against a mock API server.

        --mock           use the embedded fabric8 mock API server even if the local control plane's binaries
                         (scripts/control-plane.sh) are present
        --control-plane  use the local control plane without a node (pods' containers in this JVM)
        --keep-running   after the scenarios, keep the local cluster running and print its kubeconfig, to explore
                         with kubectl (needs the control plane's binaries; stop with Ctrl-C)
        -h, --help       this text

      Exit code: 0 when every scenario's expectations held, 1 when one did not, 2 on a usage or start-up error.
      """;

  /** @throws IllegalArgumentException naming the argument that is not understood */
  public static DemoOptions parse(List<String> args) {
    boolean mock = false;
    boolean controlPlane = false;
    boolean keepRunning = false;
    boolean help = false;
    for (String arg : args) {
      switch (arg) {
        case "--mock" -> mock = true;
        case "--control-plane" -> controlPlane = true;
        case "--keep-running" -> keepRunning = true;
        case "-h", "--help" -> help = true;
        default -> throw new IllegalArgumentException("unknown argument: " + arg);
      }
    }
    if (mock && keepRunning) {
      throw new IllegalArgumentException("--keep-running needs the local control plane; it cannot go with --mock");
    }
    if (mock && controlPlane) {
      throw new IllegalArgumentException("--mock and --control-plane exclude each other");
    }
    return new DemoOptions(mock, controlPlane, keepRunning, help);
  }
}
