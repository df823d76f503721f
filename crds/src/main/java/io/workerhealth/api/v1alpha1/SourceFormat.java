package io.workerhealth.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The health body formats the sidecar understands. Serialized in lower case, as users type them. */
public enum SourceFormat {
  AUTO("auto"),
  OUTPOST("outpost"),
  SPRING("spring"),
  IETF("ietf"),
  MICROPROFILE("microprofile"),
  ASPNET("aspnet"),
  K8S("k8s"),
  CUSTOM("custom");

  private final String wireName;

  SourceFormat(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** Parses a user-typed name, case-insensitively. */
  @JsonCreator
  public static SourceFormat fromWireName(String name) {
    if (name == null) {
      return null;
    }
    String wanted = name.trim().toLowerCase(Locale.ROOT);
    for (SourceFormat f : values()) {
      if (f.wireName.equals(wanted)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown format '" + name + "'; expected one of "
        + java.util.Arrays.stream(values()).map(SourceFormat::wireName).toList());
  }

  @Override
  public String toString() {
    return wireName;
  }
}
