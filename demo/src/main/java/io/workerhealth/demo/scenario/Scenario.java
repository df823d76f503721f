package io.workerhealth.demo.scenario;

/** One story the demo plays: it acts (injects faults), and waits for what a user should then see. */
public interface Scenario {

  String title();

  /**
   * Plays the story; returns when every expectation held.
   *
   * @throws ExpectationFailed naming the expectation that did not hold and what was seen instead
   */
  void play(DemoStage stage) throws InterruptedException;

  /** Whether the story stops and starts the apps' message broker ({@link DemoStage#broker()}). */
  default boolean needsBroker() {
    return false;
  }
}
