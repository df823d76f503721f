package io.workerhealth.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerhealth.demo.controlplane.LocalControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The chart, installed on a local control plane with the real helm binary. */
final class ChartInstall {

  private ChartInstall() {}

  static Path chartDir() {
    return Path.of(System.getProperty("wh.e2e.chartDir", "../charts/worker-health-operator"));
  }

  static void helm(LocalControlPlane controlPlane, String... args) throws Exception {
    String cache = System.getenv().getOrDefault("WH_CACHE_DIR",
        Path.of(System.getProperty("user.home"), ".cache", "worker-health").toString());
    Path helm = Path.of(System.getenv().getOrDefault("WH_HELM", Path.of(cache, "bin", "helm").toString()));
    assertThat(helm).as("helm (run scripts/install-tools.sh)").isExecutable();
    List<String> command = new ArrayList<>(List.of(helm.toString(), "--kubeconfig",
        controlPlane.adminKubeconfig().toString()));
    command.addAll(List.of(args));
    Path log = Files.createTempFile("helm", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("helm %s: %s", String.join(" ", args), Files.readString(log)).isZero();
  }
}
