package io.workerhealth.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerhealth.demo.scenario.ExpectationFailed;
import io.workerhealth.demo.scenario.Scenario;
import io.workerhealth.demo.view.Narration;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoTest {

  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anExpectationThatDoesNotHoldEndsTheDemoWithExitCode1AndSaysWhatWasSeen() throws Exception {
    List<String> played = new ArrayList<>();
    Scenario fine = scenario("1. fine", () -> played.add("1"));
    Scenario broken = scenario("2. broken", () -> {
      throw new ExpectationFailed("the operator evicts pod shop-a", "pods: [shop-a, shop-b]");
    });
    Scenario never = scenario("3. never", () -> played.add("3"));

    int code = Demo.play(List.of(fine, broken, never), null, new Narration(out, Clock.systemUTC()));

    assertThat(code).isEqualTo(1);
    assertThat(played).containsExactly("1");
    assertThat(output()).contains("=== FAILED: 2. broken ===", "expected: the operator evicts pod shop-a",
        "  pods: [shop-a, shop-b]").doesNotContain("All ");
  }

  @Test
  void badArgumentsAnswerExitCode2WithTheUsage() {
    assertThat(Demo.run(new String[] {"--fast"}, out)).isEqualTo(2);
    assertThat(output()).contains("error: unknown argument: --fast", "Usage: bash scripts/demo.sh");
  }

  @Test
  void helpPrintsTheUsage() {
    assertThat(Demo.run(new String[] {"--help"}, out)).isZero();
    assertThat(output()).contains("--keep-running", "--mock", "Exit code: 0");
  }

  @Test
  void keepRunningNeedsTheControlPlane() {
    assertThatThrownBy(() -> DemoOptions.parse(List.of("--mock", "--keep-running")))
        .hasMessageContaining("--keep-running needs the local control plane");
    assertThat(DemoOptions.parse(List.of("--keep-running"))).isEqualTo(new DemoOptions(false, false, true, false));
  }

  @Test
  void theControlPlaneWithoutANodeIsChosenByName() {
    assertThat(DemoOptions.parse(List.of("--control-plane", "--keep-running")))
        .isEqualTo(new DemoOptions(false, true, true, false));
    assertThatThrownBy(() -> DemoOptions.parse(List.of("--mock", "--control-plane")))
        .hasMessageContaining("exclude each other");
  }

  interface Step {
    void run() throws InterruptedException;
  }

  static Scenario scenario(String title, Step step) {
    return new Scenario() {
      @Override
      public String title() {
        return title;
      }

      @Override
      public void play(io.workerhealth.demo.scenario.DemoStage stage) throws InterruptedException {
        step.run();
      }
    };
  }
}
