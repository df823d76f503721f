package io.workerhealth.e2e;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.workerhealth.demo.controlplane.LocalNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads, every second while the tests run, each container's memory from its cgroup (v1) on the node: the peak the
 * kernel recorded ({@code memory.max_usage_in_bytes}, page cache included) and the working set (usage less inactive
 * file pages, as the kubelet reports it), keeping the highest seen per container, pods that are gone included.
 */
final class ContainerMemory implements AutoCloseable {

  /** The highest figures seen for one container, and its limit. */
  record Use(String container, long limitBytes, long peakBytes, long workingSetBytes) {
    Use max(long peak, long workingSet) {
      return new Use(container, limitBytes, Math.max(peakBytes, peak), Math.max(workingSetBytes, workingSet));
    }
  }

  private final KubernetesClient admin;
  private final LocalNode node;
  private final Map<String, Use> highest = new TreeMap<>();
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "container-memory");
    t.setDaemon(true);
    return t;
  });

  ContainerMemory(KubernetesClient admin, LocalNode node) {
    this.admin = admin;
    this.node = node;
  }

  ContainerMemory start() {
    sampler.scheduleWithFixedDelay(this::sample, 0, 1, TimeUnit.SECONDS);
    return this;
  }

  /** Namespace/pod/container → the highest use seen. */
  synchronized Map<String, Use> highest() {
    sample();
    return new TreeMap<>(highest);
  }

  synchronized void sample() {
    for (Pod pod : admin.pods().inAnyNamespace().list().getItems()) {
      if (pod.getStatus() == null || pod.getStatus().getQosClass() == null) {
        continue;
      }
      List<ContainerStatus> statuses = new ArrayList<>(pod.getStatus().getContainerStatuses());
      statuses.addAll(pod.getStatus().getInitContainerStatuses());
      for (ContainerStatus status : statuses) {
        if (status.getContainerID() == null) {
          continue;
        }
        Path cgroup = node.memoryCgroup(pod.getMetadata().getUid(), pod.getStatus().getQosClass(),
            status.getContainerID());
        Optional<long[]> use = read(cgroup);
        if (use.isEmpty()) {
          continue;
        }
        String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + "/" + status.getName();
        highest.computeIfAbsent(key, k -> new Use(status.getName(), limit(pod, status.getName()), 0, 0));
        highest.computeIfPresent(key, (k, u) -> u.max(use.get()[0], use.get()[1]));
      }
    }
  }

  private static long limit(Pod pod, String container) {
    return Stream.concat(pod.getSpec().getContainers().stream(), pod.getSpec().getInitContainers().stream())
        .filter(c -> c.getName().equals(container)).findFirst().map(Container::getResources)
        .map(r -> r.getLimits() == null ? null : r.getLimits().get("memory"))
        .map(Quantity::getAmountInBytes).map(b -> b.longValueExact()).orElse(Long.MAX_VALUE);
  }

  /** {peak, working set} in bytes, or nothing when the cgroup is gone. */
  private static Optional<long[]> read(Path cgroup) {
    try {
      long peak = Long.parseLong(Files.readString(cgroup.resolve("memory.max_usage_in_bytes")).strip());
      long usage = Long.parseLong(Files.readString(cgroup.resolve("memory.usage_in_bytes")).strip());
      long inactiveFile = Files.readAllLines(cgroup.resolve("memory.stat")).stream()
          .filter(l -> l.startsWith("total_inactive_file ")).mapToLong(l -> Long.parseLong(l.split(" ")[1]))
          .findFirst().orElse(0);
      return Optional.of(new long[] {peak, Math.max(0, usage - inactiveFile)});
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}
