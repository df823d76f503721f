package io.workerhealth.operator.injection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/injection.md's annotation table is the code's: every setting, with the sidecar variables it sets; and the
 * chart's schema allows exactly those keys as defaults.
 */
class InjectionDocsTest {

  static final Path DOCS = Path.of(System.getProperty("project.root", "..")).resolve("docs/injection.md");
  static final Path SIDECAR_DOCS = Path.of(System.getProperty("project.root", "..")).resolve("docs/sidecar.md");
  static final Path SCHEMA = Path.of(System.getProperty("project.root", ".."))
      .resolve("charts/worker-health-operator/values.schema.json");
  /** Sidecar variables the template sets itself, not from annotations. */
  static final Set<String> SET_BY_THE_TEMPLATE = Set.of("POD_NAME", "POD_NAMESPACE", "POD_UID", "WH_LABELS_FILE");

  @Test
  void everySettingIsInTheAnnotationTableWithItsVariable() throws IOException {
    String docs = Files.readString(DOCS);
    for (SidecarSetting s : SidecarSetting.ALL) {
      assertThat(docs).as("docs/injection.md names %s", s.annotation()).containsPattern(
          "\\| `workerhealth\\.io/[^|]*\\b" + Pattern.quote(s.key()) + "\\b[^|]*` \\|");
      if (!s.variables().isEmpty()) {
        String row = docs.lines().filter(l -> l.startsWith("| `" + s.annotation() + "` |")).findFirst()
            .orElseThrow(() -> new AssertionError("docs/injection.md has no row of its own for " + s.annotation()));
        String variablesCell = row.split(" \\| ")[1];
        for (String variable : s.variables()) {
          assertThat(variablesCell).as("docs/injection.md maps %s to %s", s.annotation(), variable)
              .contains("`" + variable + "`");
        }
      }
    }
    Matcher rows = Pattern.compile("\\| `(workerhealth\\.io/[a-z-]+)`").matcher(docs);
    List<String> documented = new ArrayList<>();
    while (rows.find()) {
      documented.add(rows.group(1).substring("workerhealth.io/".length()));
    }
    assertThat(SidecarSetting.ALL.stream().map(SidecarSetting::key).toList())
        .as("keys documented in docs/injection.md exist").containsAll(documented);
  }

  /** A variable added to the sidecar gets an annotation (one line in SidecarSetting.ALL) or is set by the template. */
  @Test
  void everySidecarVariableCanBeSetByAnAnnotation() throws IOException {
    Set<String> variables = new LinkedHashSet<>();
    Matcher m = Pattern.compile("`((?:WH|POD)_[A-Z_]+)`").matcher(Files.readString(SIDECAR_DOCS)
        .split("## Behaviour")[0]);
    while (m.find()) {
      variables.add(m.group(1));
    }
    assertThat(variables).contains("WH_TARGET_URL", "WH_INTERVAL");
    Set<String> mapped = new LinkedHashSet<>(SET_BY_THE_TEMPLATE);
    SidecarSetting.ALL.forEach(s -> mapped.addAll(s.variables()));
    assertThat(mapped).as("variables in docs/sidecar.md's configuration table").containsAll(variables);
  }

  /** The chart refuses at install a default the operator would refuse at start for its key. */
  @Test
  void theChartsSchemaAllowsExactlyTheSettingsAsDefaults() throws IOException {
    JsonNode defaults = new ObjectMapper().readTree(SCHEMA.toFile()).at("/properties/injection/properties/defaults");
    List<String> allowed = new ArrayList<>();
    defaults.at("/propertyNames/enum").forEach(k -> allowed.add(k.asText()));
    assertThat(allowed).containsExactlyElementsOf(SidecarSetting.ALL.stream().map(SidecarSetting::key).toList());
  }
}
