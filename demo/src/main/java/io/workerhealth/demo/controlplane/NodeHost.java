package io.workerhealth.demo.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the node changes on the host, and undoes: the bridge, the kubelet's cgroup root, kernel settings, iptables
 * chains, mounts under the node's directory, and its processes. Every change is written to a journal in the cache
 * first, so that a node whose JVM died without stopping it is cleaned up when the next one starts. One node at a time
 * on a machine (a file lock): these are machine-wide.
 */
final class NodeHost implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(NodeHost.class);
  private static final Duration LOCK_TIMEOUT = Duration.ofMinutes(20);
  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(1);
  private static final Path CGROUP_V1 = Path.of("/sys/fs/cgroup");
  /** containerd and runc make it even when told to keep their state elsewhere (shim sockets, fifos). */
  private static final Path CONTAINERD_RUN = Path.of("/run/containerd");
  /**
   * Kernel settings the kubelet sets (those it needs, see protectKernelDefaults) and those kube-proxy or CNI plugins
   * may set; whichever changed while the node ran is put back.
   */
  static final List<String> SYSCTLS = List.of("vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic",
      "kernel.panic_on_oops", "kernel.keys.root_maxkeys", "kernel.keys.root_maxbytes", "net.ipv4.ip_forward",
      "net.ipv4.conf.all.route_localnet", "net.bridge.bridge-nf-call-iptables",
      "net.netfilter.nf_conntrack_max", "net.netfilter.nf_conntrack_tcp_timeout_established",
      "net.netfilter.nf_conntrack_tcp_timeout_close_wait");
  private static final List<String> IPTABLES_TABLES = List.of("filter", "nat", "mangle", "raw");

  private final NodeLayout layout;
  private final NodeHostTools tools;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private NodeHost(NodeLayout layout, NodeHostTools tools, FileChannel lockChannel, FileLock lock) {
    this.layout = layout;
    this.tools = tools;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Takes the machine's node lock (waiting while another node runs), cleans up after an earlier node that was not
   * stopped, and starts a new journal.
   */
  static NodeHost acquire(NodeLayout layout, NodeHostTools tools) throws IOException {
    Files.createDirectories(layout.nodeCache());
    FileChannel channel = FileChannel.open(layout.machineLock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock = null;
    try {
      Instant deadline = Instant.now().plus(LOCK_TIMEOUT);
      boolean told = false;
      while ((lock = channel.tryLock()) == null) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("Another node has been running on this machine for " + LOCK_TIMEOUT
              + " (it holds " + layout.machineLock() + "); one node at a time can run here");
        }
        if (!told) {
          LOG.warn("Another node runs on this machine (it holds {}); waiting for it to stop", layout.machineLock());
          told = true;
        }
        sleep(Duration.ofSeconds(2));
      }
      NodeHost host = new NodeHost(layout, tools, channel, lock);
      if (Files.exists(layout.hostJournal())) {
        LOG.warn("A node that was not stopped left changes on this host ({}); undoing them", layout.hostJournal());
        host.undo(Files.readAllLines(layout.hostJournal(), StandardCharsets.UTF_8));
      }
      Files.deleteIfExists(layout.hostJournal());
      host.record("workdir", layout.nodeDirectory().toString());
      return host;
    } catch (IOException | RuntimeException e) {
      if (lock != null) {
        lock.release();
      }
      channel.close();
      throw e;
    }
  }

  /** Whether another process holds the machine's node lock now (a node runs, or is starting or stopping). */
  static boolean otherNodeRunning(NodeLayout layout) {
    if (!Files.exists(layout.machineLock())) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(layout.machineLock(), StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
      return true;
    }
  }

  /** Records the kernel settings, and makes the bridge (with the node's address) and the kubelet's cgroup root. */
  void prepare() throws IOException {
    for (String name : SYSCTLS) {
      readSysctl(name).ifPresent(value -> record("sysctl", name + " " + value));
    }
    if (!Files.exists(CONTAINERD_RUN)) {
      record("rundir", CONTAINERD_RUN.toString());
    }
    record("bridge", NodeLayout.BRIDGE);
    if (linkExists(NodeLayout.BRIDGE)) {
      run(tools.ip().toString(), "link", "delete", NodeLayout.BRIDGE);
    }
    run(tools.ip().toString(), "link", "add", NodeLayout.BRIDGE, "type", "bridge");
    run(tools.ip().toString(), "addr", "add", NodeLayout.NODE_IP + "/" + NodeLayout.POD_PREFIX_LENGTH, "dev",
        NodeLayout.BRIDGE);
    run(tools.ip().toString(), "link", "set", NodeLayout.BRIDGE, "up");
    // On a hybrid host runc and the kubelet also make the pods' cgroups in the unified (v2) hierarchy, which
    // therefore gets cleaned up too; the root is made where the kubelet requires it, in each v1 hierarchy.
    for (Path hierarchy : cgroupHierarchies(" - cgroup2 ")) {
      record("cgroup", hierarchy.resolve(NodeLayout.CGROUP_ROOT.substring(1)).toString());
    }
    for (Path hierarchy : cgroupHierarchies(" - cgroup ")) {
      Path root = hierarchy.resolve(NodeLayout.CGROUP_ROOT.substring(1));
      record("cgroup", root.toString());
      Files.createDirectories(root);
      if (hierarchy.getFileName().toString().equals("cpuset")) {
        // A new cpuset cgroup has no CPUs or memory nodes; the kubelet's would inherit that emptiness.
        for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
          Files.writeString(root.resolve(file), Files.readString(hierarchy.resolve(file)).strip());
        }
      }
    }
  }

  /** Journals a process the node started, so that it is stopped after a crash (by pid and start time). */
  void recordProcess(Process process) {
    long started = process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    record("process", process.pid() + " " + started);
  }

  /** Undoes everything this node changed and releases the machine; the components must have been stopped. */
  @Override
  public void close() {
    try {
      if (Files.exists(layout.hostJournal())) {
        undo(Files.readAllLines(layout.hostJournal(), StandardCharsets.UTF_8));
        Files.deleteIfExists(layout.hostJournal());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not undo the node's host changes in " + layout.hostJournal(), e);
    } finally {
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        LOG.warn("releasing {}: {}", layout.machineLock(), e.toString());
      }
    }
  }

  /** Undoes a journal, in the order that works: processes, containers, mounts, iptables, bridge, cgroups, sysctls. */
  private void undo(List<String> journal) {
    Map<String, List<String>> entries = new LinkedHashMap<>();
    for (String line : journal) {
      int space = line.indexOf(' ');
      if (space > 0) {
        entries.computeIfAbsent(line.substring(0, space), k -> new ArrayList<>()).add(line.substring(space + 1));
      }
    }
    // Newest first: the kubelet and kube-proxy before containerd, the API server before etcd.
    List<String> processes = new ArrayList<>(entries.getOrDefault("process", List.of()));
    java.util.Collections.reverse(processes);
    processes.forEach(NodeHost::stopRecordedProcess);
    for (String workDirectory : entries.getOrDefault("workdir", List.of())) {
      Path nodeDirectory = Path.of(workDirectory);
      removeContainers(nodeDirectory);
      stopShims(nodeDirectory.resolve("containerd.sock"));
      unmountBelow(nodeDirectory);
    }
    removeKubeChains();
    entries.getOrDefault("bridge", List.of()).forEach(bridge -> {
      if (linkExists(bridge)) {
        runQuietly(tools.ip().toString(), "link", "delete", bridge);
      }
    });
    entries.getOrDefault("cgroup", List.of()).forEach(root -> removeCgroups(Path.of(root)));
    entries.getOrDefault("sysctl", List.of()).forEach(entry -> {
      String[] nameAndValue = entry.split(" ", 2);
      Optional<String> now = readSysctl(nameAndValue[0]);
      if (now.isPresent() && !now.get().equals(nameAndValue[1])) {
        LOG.info("Putting back {} = {} (was {} while the node ran)", nameAndValue[0], nameAndValue[1], now.get());
        writeSysctl(nameAndValue[0], nameAndValue[1]);
      }
    });
    entries.getOrDefault("rundir", List.of()).forEach(dir -> removeEmptyDirectories(Path.of(dir)));
  }

  private static void stopRecordedProcess(String entry) {
    String[] pidAndStart = entry.split(" ");
    long pid = Long.parseLong(pidAndStart[0]);
    long started = Long.parseLong(pidAndStart[1]);
    ProcessHandle.of(pid)
        .filter(p -> p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L) == started)
        .ifPresent(p -> {
          LOG.warn("Stopping {} (pid {}), left running by a node that was not stopped",
              p.info().command().orElse("?"), pid);
          p.destroy();
          try {
            p.onExit().get(15, TimeUnit.SECONDS);
          } catch (Exception notYet) {
            p.destroyForcibly();
          }
        });
  }

  /** Kills and deletes the containers left in the node's runc state (pods of a node that was not stopped). */
  private void removeContainers(Path nodeDirectory) {
    Path runcRoot = nodeDirectory.resolve("runc");
    if (!Files.isDirectory(runcRoot)) {
      return;
    }
    for (String namespace : list(runcRoot)) {
      String root = runcRoot.resolve(namespace).toString();
      String ids = runQuietly(tools.runc().toString(), "--root", root, "list", "-q");
      ids.lines().filter(id -> !id.isBlank()).forEach(id ->
          runQuietly(tools.runc().toString(), "--root", root, "delete", "--force", id.strip()));
    }
  }

  /** containerd's shims outlive it; those of this node's containerd are told by its socket in their arguments. */
  private static void stopShims(Path containerdSocket) {
    String socket = containerdSocket.toString();
    ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("containerd-shim-runc-v2")).orElse(false))
        .filter(p -> p.info().arguments().map(args -> List.of(args).contains(socket)).orElse(false))
        .forEach(p -> {
          LOG.warn("Stopping containerd-shim-runc-v2 (pid {}) of a node that was not stopped", p.pid());
          p.destroyForcibly();
        });
  }

  /** Unmounts everything mounted below the node's directory (the kubelet's volumes, its root, pods' netns). */
  void unmountBelow(Path directory) {
    String prefix = directory.toAbsolutePath() + "/";
    List<String> mountPoints;
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
      mountPoints = lines.map(l -> decodeMountPoint(l.split(" ")[4]))
          .filter(m -> (m + "/").startsWith(prefix) || m.equals(directory.toString()))
          .sorted(Comparator.comparingInt(String::length).reversed())
          .toList();
    } catch (IOException e) {
      LOG.warn("cannot read /proc/self/mountinfo: {}", e.toString());
      return;
    }
    for (String mountPoint : mountPoints) {
      runQuietly("umount", mountPoint);
      if (isMounted(mountPoint)) {
        runQuietly("umount", "-l", mountPoint); // still busy: detach it now, the kernel finishes when it can
      }
    }
  }

  private static boolean isMounted(String mountPoint) {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
      return lines.anyMatch(l -> decodeMountPoint(l.split(" ")[4]).equals(mountPoint));
    } catch (IOException e) {
      return false;
    }
  }

  static String decodeMountPoint(String field) {
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }

  /**
   * Removes the KUBE-* chains and the rules that jump to them, in every table of iptables and ip6tables: what
   * kube-proxy made and its own --cleanup leaves (the KUBE-FIREWALL chain it shares with the kubelet), or all of it
   * after a node that was not stopped. Nothing else is touched.
   */
  void removeKubeChains() {
    for (Path binary : List.of(tools.iptables(), tools.ip6tables())) {
      for (String table : IPTABLES_TABLES) {
        String rules = runQuietly(binary.toString(), "-w", "5", "-t", table, "-S");
        for (List<String> rule : IptablesRules.jumpsIntoKubeChains(rules)) {
          List<String> delete = new ArrayList<>(List.of(binary.toString(), "-w", "5", "-t", table, "-D"));
          delete.addAll(rule);
          runQuietly(delete.toArray(String[]::new));
        }
        for (String chain : IptablesRules.kubeChains(rules)) {
          runQuietly(binary.toString(), "-w", "5", "-t", table, "-F", chain);
        }
        for (String chain : IptablesRules.kubeChains(rules)) {
          runQuietly(binary.toString(), "-w", "5", "-t", table, "-X", chain);
        }
      }
    }
  }

  private static void removeCgroups(Path root) {
    if (!Files.isDirectory(root)) {
      return;
    }
    // Deepest first; a cgroup directory goes with rmdir (its files are the kernel's), once no process is in it.
    try (Stream<Path> paths = Files.walk(root)) {
      paths.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed())
          .forEach(dir -> {
            try {
              Files.delete(dir);
            } catch (IOException e) {
              LOG.warn("cannot remove cgroup {}: {}", dir, e.toString());
            }
          });
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot remove cgroup {}: {}", root, e.toString());
    }
  }

  private static void removeEmptyDirectories(Path root) {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed())
          .forEach(dir -> {
            try (Stream<Path> children = Files.list(dir)) {
              if (children.findAny().isEmpty()) {
                Files.delete(dir);
              }
            } catch (IOException e) {
              LOG.debug("keeping {}: {}", dir, e.toString());
            }
          });
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("keeping {}: {}", root, e.toString());
    }
  }

  /**
   * The mounted cgroup hierarchies of one kind: {@code " - cgroup "} the v1 ones (cpu, memory, ..., name=systemd),
   * {@code " - cgroup2 "} the unified one.
   */
  private static List<Path> cgroupHierarchies(String fileSystemType) throws IOException {
    List<Path> hierarchies = new ArrayList<>();
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
      lines.filter(l -> l.contains(fileSystemType)).forEach(l -> hierarchies.add(Path.of(decodeMountPoint(
          l.split(" ")[4]))));
    }
    if (hierarchies.isEmpty() && fileSystemType.equals(" - cgroup ")) {
      throw new IllegalStateException("No cgroup v1 hierarchy is mounted under " + CGROUP_V1
          + "; this launcher configures the kubelet for a cgroup v1 host");
    }
    return hierarchies;
  }

  private boolean linkExists(String name) {
    return Files.exists(Path.of("/sys/class/net", name));
  }

  static Optional<String> readSysctl(String name) {
    Path file = Path.of("/proc/sys", name.replace('.', '/'));
    try {
      // By lines: procfs reports a size of 0, and Files.readString then returns the first byte only ("1" for 10).
      return Optional.of(String.join(" ", Files.readAllLines(file)).strip().replaceAll("\\s+", " "));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static void writeSysctl(String name, String value) {
    try {
      Files.writeString(Path.of("/proc/sys", name.replace('.', '/')), value);
    } catch (IOException e) {
      LOG.warn("cannot put back {} = {}: {}", name, value, e.toString());
    }
  }

  private void record(String kind, String value) {
    try {
      Files.writeString(layout.hostJournal(), kind + " " + value + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + layout.hostJournal(), e);
    }
  }

  private static List<String> list(Path directory) {
    try (Stream<Path> children = Files.list(directory)) {
      return children.map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Runs a command that must succeed; returns its output. */
  static String run(String... command) throws IOException {
    Path output = Files.createTempFile("node-command", ".log");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException("timed out after " + COMMAND_TIMEOUT + ": " + String.join(" ", command));
      }
      String text = Files.readString(output);
      if (process.exitValue() != 0) {
        throw new IOException("exit code " + process.exitValue() + " from " + String.join(" ", command) + ":\n"
            + text);
      }
      return text;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** Runs a clean-up command; a failure is logged, not thrown (the rest of the clean-up goes on). */
  static String runQuietly(String... command) {
    try {
      return run(command);
    } catch (IOException e) {
      LOG.debug("{}", e.getMessage());
      return "";
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis()); // waiting for another process to release a file lock
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the node lock", e);
    }
  }
}
