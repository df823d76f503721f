package io.workerhealth.demo.view;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class PrinterColumnsTest {

  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  final PrinterColumns healths = PrinterColumns.fromCrdResource("crds/workerhealths.workerhealth.io-v1.yml");
  final PrinterColumns policies =
      PrinterColumns.fromCrdResource("crds/workerhealthpolicies.workerhealth.io-v1.yml");

  @Test
  void columnsAreTheCommittedCrdsPrinterColumnsOfPriorityZero() throws IOException {
    for (var pair : List.of(List.of("workerhealths.workerhealth.io-v1.yml", healths),
        List.of("workerhealthpolicies.workerhealth.io-v1.yml", policies))) {
      CustomResourceDefinition crd = new KubernetesSerialization().unmarshal(
          Files.newInputStream(Path.of("..", "crds", "generated", (String) pair.get(0))),
          CustomResourceDefinition.class);
      List<String> expected = new java.util.ArrayList<>(List.of("NAME"));
      crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
          .filter(c -> c.getPriority() == null || c.getPriority() == 0)
          .forEach(c -> expected.add(c.getName().toUpperCase(Locale.ROOT)));
      assertThat(((PrinterColumns) pair.get(1)).headers()).isEqualTo(expected);
    }
    assertThat(healths.headers()).containsExactly("NAME", "PHASE", "WORKERS", "FAILING", "LAST-REPORT", "AGE");
    assertThat(policies.headers()).containsExactly("NAME", "SELECTED", "HEALTHY", "FAILING", "REMEDIATION-ALLOWED",
        "LAST-REMEDIATION", "AGE");
  }

  @Test
  void aWorkerHealthRowShowsPhaseWorkersFailingAndAges() {
    String json = """
        {"metadata": {"name": "shop-a", "creationTimestamp": "2026-03-01T11:57:00Z"},
         "status": {"phase": "Failed", "ready": "3/4", "failing": "deliverymq-consumer",
                    "lastScrapeTime": "2026-03-01T11:59:56Z", "format": "outpost"}}""";
    assertThat(healths.row("shop-a", json, NOW))
        .containsExactly("shop-a", "Failed", "3/4", "deliverymq-consumer", "4s", "3m");
    assertThat(healths.ageColumns()).containsExactly(4, 5);
  }

  @Test
  void aPolicyRowReadsTheConditionThroughTheFilterExpression() {
    String json = """
        {"metadata": {"name": "restart", "creationTimestamp": "2026-03-01T09:00:00Z"},
         "status": {"selectedPods": 3, "healthyPods": 0, "failingPods": 3,
                    "conditions": [{"type": "Ready", "status": "True"},
                                   {"type": "RemediationAllowed", "status": "False", "reason": "TooManyUnhealthy"}]}}""";
    assertThat(policies.row("restart", json, NOW))
        .containsExactly("restart", "3", "0", "3", "False", "", "3h");
  }

  @Test
  void anObjectWithoutStatusHasEmptyColumns() {
    assertThat(healths.row("new", "{\"metadata\": {\"name\": \"new\"}}", NOW))
        .containsExactly("new", "", "", "", "", "");
  }

  @Test
  void agesReadLikeKubectls() {
    assertThat(PrinterColumns.humanDuration(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(PrinterColumns.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(PrinterColumns.humanDuration(Duration.ofSeconds(192))).isEqualTo("3m12s");
    assertThat(PrinterColumns.humanDuration(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(PrinterColumns.humanDuration(Duration.ofMinutes(42))).isEqualTo("42m");
    assertThat(PrinterColumns.humanDuration(Duration.ofHours(5))).isEqualTo("5h");
    assertThat(PrinterColumns.humanDuration(Duration.ofDays(3))).isEqualTo("3d");
    assertThat(PrinterColumns.humanDuration(Duration.ofSeconds(-2))).isEqualTo("0s");
    assertThat(PrinterColumns.age("not a time", NOW)).isEqualTo("not a time");
  }

  @Test
  void tablesAlignColumnsThreeSpacesApart() {
    Table table = new Table(List.of("NAME", "PHASE"), List.of(List.of("shop-abc", "Healthy"), List.of("b", "")));
    assertThat(table.render()).isEqualTo("""
        NAME       PHASE
        shop-abc   Healthy
        b
        """);
  }
}
