package io.workerhealth.operator.injection;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the sidecar joins the pod. */
public enum SidecarMode {
  /** An init container with {@code restartPolicy: Always}: started before the app, stopped after it. */
  NATIVE,
  /** A second regular container, for API servers without native sidecars. */
  CLASSIC;

  private static final Pattern MINOR = Pattern.compile("(\\d+)");

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static SidecarMode fromWireName(String name) {
    return valueOf(name.strip().toUpperCase(Locale.ROOT));
  }

  /**
   * Native sidecars are on by default from Kubernetes 1.29 (beta; GA in 1.33). Older servers drop the init
   * container's restartPolicy, which would leave the pod waiting on an init container that never ends.
   */
  public static SidecarMode forServerVersion(String major, String minor) {
    Matcher ma = MINOR.matcher(major == null ? "" : major.strip());
    Matcher mi = MINOR.matcher(minor == null ? "" : minor.strip());
    if (!ma.lookingAt() || !mi.lookingAt()) {
      return CLASSIC; // unknown: the choice that works everywhere
    }
    int maj = Integer.parseInt(ma.group(1));
    return maj > 1 || (maj == 1 && Integer.parseInt(mi.group(1)) >= 29) ? NATIVE : CLASSIC;
  }
}
