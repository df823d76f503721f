package io.workerhealth.sidecar.config;

import java.util.Locale;

/**
 * The settings of how one target is scraped that both reporters read: the sidecar from its environment
 * ({@code WH_<KEY>}), the node agent from each pod's annotations ({@code workerhealth.io/<key>}, the names the sidecar
 * injection uses too), so a user learns one vocabulary. {@link ScrapeSettings#read} checks them the same way for both.
 */
public enum ScrapeSetting {
  INTERVAL("interval"),
  TIMEOUT("timeout"),
  FORMAT("format"),
  BODY_LIMIT("body-limit"),
  INCLUDE_WORKERS("include-workers"),
  EXCLUDE_WORKERS("exclude-workers"),
  CUSTOM_WORKERS("custom-workers"),
  CUSTOM_NAME("custom-name"),
  CUSTOM_STATUS("custom-status"),
  CUSTOM_MESSAGE("custom-message"),
  CUSTOM_STATUS_MAP("custom-status-map");

  public static final String ANNOTATION_PREFIX = "workerhealth.io/";

  private final String key;

  ScrapeSetting(String key) {
    this.key = key;
  }

  /** The key, as in {@code workerhealth.io/<key>} and the chart's defaults. */
  public String key() {
    return key;
  }

  /** The sidecar's environment variable: {@code WH_BODY_LIMIT} for {@code body-limit}. */
  public String variable() {
    return "WH_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** The pod annotation the node agent reads: {@code workerhealth.io/body-limit}. */
  public String annotation() {
    return ANNOTATION_PREFIX + key;
  }
}
