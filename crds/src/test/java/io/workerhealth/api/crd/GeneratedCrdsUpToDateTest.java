package io.workerhealth.api.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.workerhealth.api.v1alpha1.WorkerHealth;
import io.workerhealth.api.v1alpha1.WorkerHealthPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CRD YAML is generated from the Java types and committed under {@code crds/generated} and in the Helm chart's
 * {@code crds/} folder, where users, the chart and the tests take it from. This test fails when a committed copy
 * differs from what the types generate, so they never drift. {@code ./mvnw -pl crds test -Dcrds.update=true}
 * refreshes the committed copies.
 */
class GeneratedCrdsUpToDateTest {

  /** Every custom resource of the API. */
  static final List<Class<? extends HasMetadata>> RESOURCES = List.of(WorkerHealth.class, WorkerHealthPolicy.class);

  private static final List<Path> COMMITTED = List.of(
      Path.of(System.getProperty("crds.committedDir", "generated")),
      Path.of(System.getProperty("crds.chartDir", "../charts/worker-health-operator/crds")));
  private static final String REFRESH = "refresh with ./mvnw -pl crds test -Dcrds.update=true";

  private static Map<String, String> generated;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void generate() throws IOException {
    generated = CrdYaml.generate(RESOURCES.toArray(Class[]::new));
    if (Boolean.getBoolean("crds.update")) {
      for (Path dir : COMMITTED) {
        Files.createDirectories(dir);
        try (Stream<Path> old = Files.list(dir)) {
          for (Path p : old.filter(p -> p.toString().endsWith(".yml")).toList()) {
            Files.delete(p);
          }
        }
        for (Map.Entry<String, String> e : generated.entrySet()) {
          Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
      }
    }
  }

  @Test
  void committedCrdYamlMatchesTheJavaTypes() throws IOException {
    assertThat(generated).as("CRDs generated from the Java types").hasSize(RESOURCES.size());
    for (Path dir : COMMITTED) {
      List<String> committedNames;
      try (Stream<Path> files = Files.list(dir)) {
        committedNames = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).toList();
      }
      assertThat(committedNames).as("committed CRD files in %s (%s)", dir, REFRESH)
          .containsExactlyInAnyOrderElementsOf(generated.keySet());
      for (Map.Entry<String, String> e : generated.entrySet()) {
        assertThat(Files.readString(dir.resolve(e.getKey())))
            .as("%s in %s is out of date: %s", e.getKey(), dir, REFRESH)
            .isEqualTo(e.getValue());
      }
    }
  }

  @Test
  void workerHealthCrdCarriesTheConventionsUsersRelyOn() {
    String yaml = generated.get("workerhealths.workerhealth.io-v1.yml");
    assertThat(yaml)
        .contains("shortNames:\n    - \"wh\"")
        .contains("x-kubernetes-list-type: \"map\"")
        .contains("x-kubernetes-list-map-keys:\n")
        .contains("status: {}")
        .contains("- \"Unreachable\"")
        .contains("lastSuccessfulScrapeTime")
        .contains("maxItems: 256");
    // kubectl shows printer columns in this order
    assertThat(yaml.indexOf("name: \"Phase\""))
        .isLessThan(yaml.indexOf("name: \"Workers\""));
    assertThat(yaml.indexOf("name: \"Workers\"")).isLessThan(yaml.indexOf("name: \"Failing\""));
    assertThat(yaml.indexOf("name: \"Last-Report\"")).isLessThan(yaml.indexOf("name: \"Age\""));
  }
}
