package io.workerhealth.demo.controlplane;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The host programs a node runs on, from Debian's packages (scripts/control-plane.sh --node installs them):
 * containerd with ctr, runc, the CNI plugins, iptables, iproute2 and openssl.
 */
public record NodeHostTools(Path containerd, Path ctr, Path runc, Path iptables, Path ip6tables, Path ip,
                            Path openssl) {

  /** Where Debian's containernetworking-plugins puts the plugins. */
  public static final Path CNI_PLUGINS = Path.of("/usr/lib/cni");
  static final List<String> CNI_PLUGINS_USED = List.of("bridge", "host-local", "loopback");

  /**
   * Finds the tools on {@code PATH} (and the sbin directories, which root's PATH may lack).
   *
   * @throws IllegalStateException naming every missing tool and how to install them
   */
  public static NodeHostTools locate(Map<String, String> environment, Predicate<Path> executable) {
    List<String> directories = new ArrayList<>(List.of(environment.getOrDefault("PATH", "").split(File.pathSeparator)));
    directories.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
    List<String> missing = new ArrayList<>();
    Path containerd = find("containerd", directories, executable, missing);
    Path ctr = find("ctr", directories, executable, missing);
    Path runc = find("runc", directories, executable, missing);
    Path iptables = find("iptables", directories, executable, missing);
    Path ip6tables = find("ip6tables", directories, executable, missing);
    Path ip = find("ip", directories, executable, missing);
    Path openssl = find("openssl", directories, executable, missing);
    for (String plugin : CNI_PLUGINS_USED) {
      if (!executable.test(CNI_PLUGINS.resolve(plugin))) {
        missing.add(CNI_PLUGINS.resolve(plugin).toString());
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("The node needs " + String.join(", ", missing)
          + ": run `bash scripts/control-plane.sh --node` as root (it installs Debian's containerd, runc,"
          + " containernetworking-plugins, iptables and openssl)");
    }
    return new NodeHostTools(containerd, ctr, runc, iptables, ip6tables, ip, openssl);
  }

  public static NodeHostTools locate() {
    return locate(System.getenv(), Files::isExecutable);
  }

  private static Path find(String name, List<String> directories, Predicate<Path> executable, List<String> missing) {
    Optional<Path> found = directories.stream().filter(d -> !d.isBlank()).map(d -> Path.of(d, name))
        .filter(executable).findFirst();
    if (found.isEmpty()) {
      missing.add(name);
      return null;
    }
    return found.get();
  }
}
