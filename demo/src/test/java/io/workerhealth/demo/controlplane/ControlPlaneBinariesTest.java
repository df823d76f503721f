package io.workerhealth.demo.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneBinariesTest {

  @TempDir
  Path home;

  @Test
  void propertyWinsOverKubebuilderAssets() throws IOException {
    Path fromProperty = withBinaries(home.resolve("property"));
    Path fromEnvironment = withBinaries(home.resolve("env"));

    ControlPlaneBinaries binaries = ControlPlaneBinaries.locate(
        Map.of("KUBEBUILDER_ASSETS", fromEnvironment.toString()), fromProperty.toString(), home);

    assertThat(binaries.kubeApiserver()).isEqualTo(fromProperty.resolve("kube-apiserver"));
  }

  @Test
  void kubebuilderAssetsWinsOverTheCache() throws IOException {
    Path fromEnvironment = withBinaries(home.resolve("env"));
    withBinaries(home.resolve(".cache/worker-health/k8s/" + ControlPlaneBinaries.DEFAULT_KUBERNETES_VERSION));

    ControlPlaneBinaries binaries = ControlPlaneBinaries.locate(
        Map.of("KUBEBUILDER_ASSETS", fromEnvironment.toString()), " ", home);

    assertThat(binaries.directory()).isEqualTo(fromEnvironment);
  }

  @Test
  void fallsBackToTheCacheTheScriptFills() throws IOException {
    Path cache = withBinaries(home.resolve("cache/k8s/" + ControlPlaneBinaries.DEFAULT_KUBERNETES_VERSION));

    ControlPlaneBinaries binaries = ControlPlaneBinaries.locate(
        Map.of("WH_CACHE_DIR", home.resolve("cache").toString()), null, home);

    assertThat(binaries.etcd()).isEqualTo(cache.resolve("etcd"));
  }

  @Test
  void missingBinariesAreNamedWithTheWayToGetThem() throws IOException {
    Path partial = Files.createDirectories(home.resolve("envtest"));
    executable(partial.resolve("kube-apiserver"));
    executable(partial.resolve("etcd"));

    assertThatThrownBy(() -> ControlPlaneBinaries.locate(Map.of("KUBEBUILDER_ASSETS", partial.toString()), null, home))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("No kube-controller-manager in " + partial)
        .hasMessageContaining("scripts/control-plane.sh");
  }

  @Test
  void theNodesBinariesAreNamedWhenMissing() throws IOException {
    Path cache = withBinaries(home.resolve("cache/k8s/" + ControlPlaneBinaries.DEFAULT_KUBERNETES_VERSION));
    executable(cache.resolve("kubelet"));
    executable(cache.resolve("kubectl"));

    ControlPlaneBinaries binaries = ControlPlaneBinaries.locate(
        Map.of("WH_CACHE_DIR", home.resolve("cache").toString()), null, home);

    assertThat(binaries.missingNodeBinaries()).containsExactly("kube-scheduler", "kube-proxy");
    assertThat(binaries.kubelet()).isEqualTo(cache.resolve("kubelet"));
  }

  private static Path withBinaries(Path directory) throws IOException {
    Files.createDirectories(directory);
    for (String name : ControlPlaneBinaries.REQUIRED) {
      executable(directory.resolve(name));
    }
    return directory;
  }

  private static void executable(Path file) throws IOException {
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
