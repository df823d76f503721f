package io.workerhealth.charts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real helm binary installed by {@code scripts/install-tools.sh}. */
final class Helm {

  record Result(int exitCode, String stdout, String stderr) {}

  private final Path binary;

  private Helm(Path binary) {
    this.binary = binary;
  }

  /** helm from $WH_HELM, the project's tool cache, or the PATH; fails loudly when there is none. */
  static Helm locate() {
    List<Path> candidates = new ArrayList<>();
    String explicit = System.getenv("WH_HELM");
    if (explicit != null && !explicit.isBlank()) {
      candidates.add(Path.of(explicit));
    }
    String cache = System.getenv().getOrDefault("WH_CACHE_DIR",
        Path.of(System.getProperty("user.home"), ".cache", "worker-health").toString());
    candidates.add(Path.of(cache, "bin", "helm"));
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      candidates.add(Path.of(dir, "helm"));
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().map(Helm::new)
        .orElseThrow(() -> new IllegalStateException(
            "helm not found: run scripts/install-tools.sh (installs it into ~/.cache/worker-health/bin) or set WH_HELM"));
  }

  Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("helm", ".out");
    Path err = Files.createTempFile("helm", ".err");
    try {
      Process p = new ProcessBuilder(command)
          .redirectOutput(out.toFile())
          .redirectError(err.toFile())
          .start();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("helm did not finish in 2 minutes: " + command);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
