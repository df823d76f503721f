package io.workerhealth.demo.scenario;

/** An expectation of a scenario that did not hold, with what was seen instead. */
public final class ExpectationFailed extends RuntimeException {

  private final String expectation;
  private final String seen;

  public ExpectationFailed(String expectation, String seen) {
    super("expected: " + expectation + "\nseen:\n" + seen);
    this.expectation = expectation;
    this.seen = seen;
  }

  public String expectation() {
    return expectation;
  }

  public String seen() {
    return seen;
  }
}
