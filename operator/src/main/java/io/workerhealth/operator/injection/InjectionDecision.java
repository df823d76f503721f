package io.workerhealth.operator.injection;

import com.fasterxml.jackson.databind.node.ArrayNode;

/** What the webhook answers for one pod. */
public sealed interface InjectionDecision {

  /** Add the sidecar: the JSON Patch (RFC 6902) that does it. */
  record Inject(ArrayNode patch, SidecarMode mode) implements InjectionDecision {}

  /** Admit the pod unchanged. */
  record Skip(String reason) implements InjectionDecision {}

  /** Refuse the pod: its annotations ask for something the sidecar cannot do. */
  record Reject(String message) implements InjectionDecision {}
}
