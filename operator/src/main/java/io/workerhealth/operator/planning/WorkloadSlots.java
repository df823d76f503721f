package io.workerhealth.operator.planning;

import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.List;

/**
 * The workload slot a pod fills, which cooldowns are kept for. A replacement pod of a ReplicaSet gets a new name, so
 * the slot is the ReplicaSet: after restarting one of its pods the next restart there waits for the cooldown. A
 * StatefulSet's pods keep their names, so each is its own slot; a pod without a controller is its own slot.
 */
public final class WorkloadSlots {

  private WorkloadSlots() {}

  public static String of(String podName, List<OwnerReference> owners) {
    if (owners != null) {
      for (OwnerReference o : owners) {
        if (Boolean.TRUE.equals(o.getController())) {
          return "StatefulSet".equals(o.getKind()) ? "StatefulSet/" + o.getName() + "/" + podName
              : o.getKind() + "/" + o.getName();
        }
      }
    }
    return "Pod/" + podName;
  }
}
