package io.workerhealth.demo.controlplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's component processes: each started in the work directory with its output in {@code <name>.log}
 * there, waited for until ready (or until it exits, with the end of its log), and stopped by name or all together,
 * newest first.
 */
final class ComponentProcesses {

  private static final Logger LOG = LoggerFactory.getLogger(ComponentProcesses.class);
  static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  private final Path workDirectory;
  private final Consumer<Process> onLaunch;
  private final Map<String, Process> processes = Collections.synchronizedMap(new LinkedHashMap<>());

  /** @param onLaunch told of every process started (the node records them to clean up after a crash) */
  ComponentProcesses(Path workDirectory, Consumer<Process> onLaunch) {
    this.workDirectory = workDirectory;
    this.onLaunch = onLaunch;
  }

  Process launch(String name, List<String> command) throws IOException {
    Path log = logFile(name);
    Process process = new ProcessBuilder(command)
        .directory(workDirectory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    processes.put(name, process);
    onLaunch.accept(process);
    LOG.info("Started {} (pid {}), log {}", name, process.pid(), log);
    return process;
  }

  Path logFile(String name) {
    return workDirectory.resolve(name + ".log");
  }

  /** The process of a running component, if it runs. */
  Optional<ProcessHandle> handle(String name) {
    return Optional.ofNullable(processes.get(name)).filter(Process::isAlive).map(Process::toHandle);
  }

  boolean isRunning(String name) {
    Process process = processes.get(name);
    return process != null && process.isAlive();
  }

  /** Waits until {@code ready} holds; fails with the end of the log when the process exits or time runs out. */
  void awaitUp(String name, BooleanSupplier ready) {
    awaitUp(name, ready, STARTUP_TIMEOUT);
  }

  void awaitUp(String name, BooleanSupplier ready, Duration timeout) {
    Process process = processes.get(name);
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with code " + process.exitValue() + " during startup:\n"
            + logTail(name));
      }
      try {
        if (ready.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException notYet) {
        LOG.debug("{} not ready yet: {}", name, notYet.toString());
      }
      try {
        // Polling a child process; no clock to inject here.
        process.waitFor(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for " + name, e);
      }
    }
    throw new IllegalStateException(name + " not ready after " + timeout + ":\n" + logTail(name));
  }

  String logTail(String name) {
    Path log = logFile(name);
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log + ": " + e + ")";
    }
  }

  /** Stops one component (SIGTERM, then SIGKILL after {@link #STOP_TIMEOUT}); nothing when it does not run. */
  void stop(String name) {
    Process process = processes.remove(name);
    if (process != null) {
      stop(process);
    }
  }

  /** Stops every component still running, newest first. */
  void stopAll() {
    List<Process> running;
    synchronized (processes) {
      running = new ArrayList<>(processes.values());
      processes.clear();
    }
    Collections.reverse(running);
    running.forEach(ComponentProcesses::stop);
  }

  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
