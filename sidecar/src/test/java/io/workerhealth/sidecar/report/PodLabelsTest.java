package io.workerhealth.sidecar.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PodLabelsTest {

  @Test
  void readsTheDownwardApiLabelsFile() {
    String file = "app=\"outpost\"\npod-template-hash=\"7d9f8c\"\nexample.com/note=\"say \\\"hi\\\"\"\nbroken line\n";
    assertThat(PodLabels.parse(file)).containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
        "app", "outpost", "pod-template-hash", "7d9f8c", "example.com/note", "say \"hi\""));
  }

  @Test
  void aMissingFileMeansNoLabels() throws Exception {
    assertThat(PodLabels.read(Path.of("/nonexistent/labels"))).isEmpty();
  }

  @Test
  void aMissingOrEmptyLabelsFileIsWarnedAboutAtStartUp(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path missing = dir.resolve("labels");
    assertThat(PodLabels.startupWarning(missing, PodLabels.read(missing))).contains("does not exist")
        .contains("no WorkerHealthPolicy will select this pod");
    java.nio.file.Files.writeString(missing, "");
    assertThat(PodLabels.startupWarning(missing, PodLabels.read(missing))).contains("holds no labels");
    java.nio.file.Files.writeString(missing, "app=\"outpost\"\n");
    assertThat(PodLabels.startupWarning(missing, PodLabels.read(missing))).isNull();
  }
}
