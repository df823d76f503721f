package io.workerhealth.operator.injection;

import io.fabric8.kubernetes.api.model.Quantity;
import io.workerhealth.operator.injection.SidecarTemplate.FileMount;
import io.workerhealth.sidecar.config.SidecarConfig;
import io.workerhealth.sidecar.scrape.ScrapeTarget;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One pod's sidecar settings: the chart's defaults overlaid with the pod's {@code workerhealth.io/*} annotations,
 * each checked ({@link SidecarSetting}), then all together by the sidecar's own configuration reader. Pure.
 */
public final class SidecarOptions {

  /** What holds when neither the pod nor the chart says: the sidecar's own defaults, and the template's. */
  static final Map<String, String> BUILT_IN = Map.of("port", "8080", "path", "/healthz", "metrics-port", "9090");

  /** Settings a pod gives one way or another: the pod's way replaces the chart's default of the other. */
  private static final List<List<Set<String>>> ALTERNATIVES = List.of(
      List.of(Set.of("url"), Set.of("port", "path")),
      List.of(Set.of("basic-auth-secret", "basic-auth-username"), Set.of("bearer-token-secret")),
      List.of(Set.of("ca-secret"), Set.of("ca-configmap")));

  /** What the template gives the sidecar from the downward API, for its reader. */
  private static final Map<String, String> FROM_THE_POD = Map.of("POD_NAME", "pod", "POD_NAMESPACE", "namespace");
  /** For the reader, a value the kubelet will take from a Secret (the webhook reads none; the sidecar checks it). */
  private static final String FROM_A_SECRET = "from-a-secret";
  private static final Pattern VARIABLE = Pattern.compile("\\b(?:WH|POD)_[A-Z_]+\\b");

  private final Map<String, String> values;

  private SidecarOptions(Map<String, String> values) {
    this.values = values;
  }

  /** The chart's defaults alone (checked at start-up: a wrong default stops the operator with this message). */
  public static SidecarOptions defaults(Map<String, String> defaults) {
    return resolve(defaults, Map.of());
  }

  /**
   * The settings for a pod with these annotations; throws {@link InvalidSidecarSettingsException} listing every
   * problem, each naming its annotation.
   */
  public static SidecarOptions resolve(Map<String, String> defaults, Map<String, String> annotations) {
    List<String> problems = new ArrayList<>();
    Set<String> refused = new HashSet<>();
    Map<String, String> fromDefaults = checked(defaults, "injection default ", problems, false, refused);
    Map<String, String> podAnnotations = new TreeMap<>();
    annotations.forEach((k, v) -> {
      if (k.startsWith(SidecarSetting.ANNOTATION_PREFIX)) {
        podAnnotations.put(k.substring(SidecarSetting.ANNOTATION_PREFIX.length()), v);
      }
    });
    Map<String, String> fromPod = checked(podAnnotations, SidecarSetting.ANNOTATION_PREFIX, problems, true, refused);

    Map<String, String> merged = new LinkedHashMap<>(BUILT_IN);
    merged.putAll(fromDefaults);
    // the pod's choice of endpoint, credentials and CA wins over the chart's, whichever way either is given
    for (List<Set<String>> ways : ALTERNATIVES) {
      for (Set<String> way : ways) {
        if (way.stream().anyMatch(podAnnotations::containsKey)) {
          ways.stream().filter(other -> other != way).flatMap(Set::stream).forEach(merged::remove);
        }
      }
    }
    Set<String> defaultsInEffect = new HashSet<>(defaults.keySet());
    defaultsInEffect.removeIf(key -> fromDefaults.containsKey(key) && !merged.containsKey(key));
    Names names = new Names(podAnnotations.keySet(), defaultsInEffect);
    merged.putAll(fromPod);
    notBoth(Set.of("url"), Set.of("port", "path"), podAnnotations.keySet(), names, problems);
    notBoth(Set.of("ca-secret"), Set.of("ca-configmap"), merged.keySet(), names, problems);
    for (String resource : List.of("cpu", "memory")) {
      String request = merged.get(resource + "-request");
      String limit = merged.get(resource + "-limit");
      if (request != null && limit != null
          && Quantity.parse(request).getNumericalAmount().compareTo(Quantity.parse(limit).getNumericalAmount()) > 0) {
        problems.add(names.of(resource + "-request") + " (" + request + ") must not exceed "
            + names.of(resource + "-limit") + " (" + limit + ")");
      }
    }

    SidecarOptions options = new SidecarOptions(merged);
    problems.addAll(sidecarsOwnProblems(options, refused, names));
    if (!problems.isEmpty()) {
      throw new InvalidSidecarSettingsException(problems);
    }
    return options;
  }

  private static Map<String, String> checked(Map<String, String> raw, String prefix, List<String> problems,
                                             boolean annotations, Set<String> refused) {
    Map<String, String> ok = new LinkedHashMap<>();
    new TreeMap<>(raw).forEach((key, value) -> {
      Optional<SidecarSetting> setting = SidecarSetting.byKey(key);
      if (setting.isEmpty()) {
        problems.add("unknown " + (annotations ? "annotation " : "setting ") + prefix + key + " (known: "
            + String.join(", ", SidecarSetting.ALL.stream().map(SidecarSetting::key).toList()) + ")");
        return;
      }
      String given = value == null ? "" : value;
      try {
        ok.put(key, setting.get().check().apply(given));
      } catch (IllegalArgumentException e) {
        refused.add(key);
        problems.add(prefix + key + shown(key, given) + ": " + withoutEcho(e.getMessage(), given));
      }
    });
    return ok;
  }

  /** The sidecar's message without its {@code 'value' is } opening: the annotation's message shows the value. */
  private static String withoutEcho(String message, String value) {
    for (String echo : List.of("'" + value + "' is ", "'" + value.strip() + "' is ")) {
      if (message != null && message.startsWith(echo)) {
        return message.substring(echo.length());
      }
    }
    return message;
  }

  /** A value as a message may repeat it: never a header's, nor the user info of a URL. */
  private static String shown(String key, String value) {
    return switch (key) {
      case "headers" -> "";
      case "url" -> "=\"" + ScrapeTarget.redact(value) + "\"";
      default -> "=\"" + value + "\"";
    };
  }

  private static void notBoth(Set<String> one, Set<String> other, Set<String> given, Names names,
                              List<String> problems) {
    List<String> ones = one.stream().filter(given::contains).sorted().map(names::of).toList();
    List<String> others = other.stream().filter(given::contains).sorted().map(names::of).toList();
    if (!ones.isEmpty() && !others.isEmpty()) {
      problems.add("set " + String.join(" and ", ones) + " or " + String.join(" and ", others) + ", not both");
    }
  }

  /**
   * The sidecar's configuration reader run on the variables the sidecar will get (its rules between settings, and
   * any the checks above lack), its messages in the names of the settings. The mounted files are not there yet:
   * their contents are the sidecar's to check at start. A problem of a setting already refused is not repeated.
   */
  private static List<String> sidecarsOwnProblems(SidecarOptions options, Set<String> refused, Names names) {
    Map<String, String> env = new LinkedHashMap<>(FROM_THE_POD);
    env.putAll(options.env());
    options.envFromSecrets().keySet().forEach(variable -> env.put(variable, FROM_A_SECRET));
    Set<String> refusedVariables = new HashSet<>();
    refused.forEach(key -> SidecarSetting.byKey(key).ifPresent(s -> refusedVariables.addAll(s.variables())));
    List<String> problems = new ArrayList<>();
    for (String problem : SidecarConfig.problemsLeavingFilesUnread(env)) {
      Matcher m = VARIABLE.matcher(problem);
      if (m.results().noneMatch(r -> refusedVariables.contains(r.group()))) {
        problems.add(m.reset().replaceAll(r -> Matcher.quoteReplacement(names.ofVariable(r.group()))));
      }
    }
    return problems;
  }

  /**
   * How a setting is named in a message: the pod's annotation, or the chart's default when only that sets it (and
   * the pod's choice did not replace it).
   */
  private record Names(Set<String> pod, Set<String> defaults) {

    String of(String key) {
      return !pod.contains(key) && defaults.contains(key) ? "injection default " + key
          : SidecarSetting.ANNOTATION_PREFIX + key;
    }

    /** The setting that set a sidecar variable (the one setting only it, of several), else the first that could. */
    String ofVariable(String variable) {
      List<SidecarSetting> candidates = SidecarSetting.ALL.stream().filter(s -> s.variables().contains(variable))
          .sorted((a, b) -> Integer.compare(a.variables().size(), b.variables().size())).toList();
      if (candidates.isEmpty()) {
        return variable;
      }
      return candidates.stream().filter(s -> pod.contains(s.key())).findFirst()
          .or(() -> candidates.stream().filter(s -> defaults.contains(s.key())).findFirst())
          .map(s -> of(s.key())).orElse(candidates.get(0).annotation());
    }
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** The URL the sidecar scrapes: the {@code url} setting, else {@code http://127.0.0.1:<port><path>}. */
  public String targetUrl() {
    return values.containsKey("url") ? values.get("url")
        : "http://127.0.0.1:" + values.get("port") + values.get("path");
  }

  public int metricsPort() {
    return Integer.parseInt(values.get("metrics-port"));
  }

  public Optional<SidecarMode> mode() {
    return get("sidecar-mode").map(SidecarMode::fromWireName);
  }

  /**
   * The sidecar variables these settings set to values, in the table's order (the target URL first); a setting
   * naming a Secret or ConfigMap sets its variable to the path of the mounted file.
   */
  public Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("WH_TARGET_URL", targetUrl());
    for (SidecarSetting s : SidecarSetting.ALL) {
      String value = values.get(s.key());
      if (value != null && !s.variables().isEmpty() && !s.key().equals("url") && !s.key().equals("metrics-port")) {
        env.put(s.variables().get(0), SidecarTemplate.fileMount(s.key()).map(FileMount::path).orElse(value));
      }
    }
    env.put("WH_METRICS_PORT", values.get("metrics-port"));
    return env;
  }

  /** Sidecar variables the kubelet sets from a Secret's key: a basic-auth Secret's user name, unless given. */
  public Map<String, KeyReference> envFromSecrets() {
    if (values.containsKey("basic-auth-secret") && !values.containsKey("basic-auth-username")) {
      String secret = KeyReference.parse(values.get("basic-auth-secret"), "password").name();
      return Map.of("WH_BASIC_AUTH_USERNAME", new KeyReference(secret, SidecarTemplate.USERNAME_KEY));
    }
    return Map.of();
  }

  /** The Secret and ConfigMap keys to mount, by where they go. */
  public Map<FileMount, KeyReference> fileMounts() {
    Map<FileMount, KeyReference> mounts = new LinkedHashMap<>();
    for (FileMount mount : SidecarTemplate.FILE_MOUNTS) {
      get(mount.setting()).ifPresent(v -> mounts.put(mount, KeyReference.parse(v, mount.file())));
    }
    return mounts;
  }

  public Map<String, Quantity> requests() {
    return quantities("-request");
  }

  public Map<String, Quantity> limits() {
    return quantities("-limit");
  }

  private Map<String, Quantity> quantities(String suffix) {
    Map<String, Quantity> q = new LinkedHashMap<>();
    for (String resource : List.of("cpu", "memory")) {
      get(resource + suffix).ifPresent(v -> q.put(resource, new Quantity(v)));
    }
    return q;
  }
}
