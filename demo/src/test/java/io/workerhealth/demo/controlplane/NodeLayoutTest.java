package io.workerhealth.demo.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeLayoutTest {

  @TempDir
  Path home;

  @Test
  void aCheckoutsImagesAreWhereTheScriptPutsThem() throws Exception {
    Path checkout = Files.createDirectories(home.resolve("src/worker health"));
    NodeLayout layout = NodeLayout.of(home.resolve("run"), checkout, Map.of("WH_CACHE_DIR",
        home.resolve("cache").toString()), home);

    // what scripts/control-plane.sh computes for its checkout
    Process shell = new ProcessBuilder("bash", "-c", "cd \"$1\" && printf '%s' \"$(pwd -P)\" | sha256sum | cut -c1-12",
        "bash", checkout.toString()).start();
    assertThat(shell.waitFor(10, TimeUnit.SECONDS)).isTrue();
    String fromScript = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

    assertThat(layout.projectImagesDirectory())
        .isEqualTo(home.resolve("cache/node/images").resolve(fromScript));
  }
}
