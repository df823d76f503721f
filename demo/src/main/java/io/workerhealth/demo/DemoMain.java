package io.workerhealth.demo;

/** {@code java -jar demo/target/worker-health-demo.jar [--mock] [--keep-running]}; see {@link Demo}. */
public final class DemoMain {

  private DemoMain() {}

  public static void main(String[] args) {
    int code = Demo.run(args, System.out);
    System.exit(code);
  }
}
