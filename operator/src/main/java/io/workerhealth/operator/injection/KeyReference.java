package io.workerhealth.operator.injection;

import java.util.regex.Pattern;

/**
 * One key of a Secret or ConfigMap in the pod's namespace, as an annotation names it: {@code <name>} (the setting's
 * usual key) or {@code <name>/<key>}. Checked by the API server's rules for such names and keys, so the volume the
 * webhook adds is never what makes the pod invalid.
 */
public record KeyReference(String name, String key) {

  /** A DNS-1123 subdomain: what Secret and ConfigMap names are. */
  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  /** What a Secret's or ConfigMap's data key may be. */
  private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final int MAX_LENGTH = 253;

  public static KeyReference parse(String text, String defaultKey) {
    String value = text.strip();
    int slash = value.indexOf('/');
    String name = slash < 0 ? value : value.substring(0, slash);
    String key = slash < 0 ? defaultKey : value.substring(slash + 1);
    if (name.isEmpty() || name.length() > MAX_LENGTH || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a Secret or ConfigMap name (lower-case letters, "
          + "digits, '-' and '.'); write <name> or <name>/<key>");
    }
    if (key.isEmpty() || key.length() > MAX_LENGTH || !KEY.matcher(key).matches() || key.equals(".")
        || key.startsWith("..")) {
      throw new IllegalArgumentException("'" + key + "' is not a key (letters, digits, '-', '_' and '.'); write "
          + "<name> or <name>/<key>");
    }
    return new KeyReference(name, key);
  }

  @Override
  public String toString() {
    return name + "/" + key;
  }
}
