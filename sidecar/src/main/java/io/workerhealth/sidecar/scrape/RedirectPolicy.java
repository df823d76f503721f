package io.workerhealth.sidecar.scrape;

import java.util.Locale;

/** Which redirects a scrape follows (at most {@link HealthScraper#MAX_REDIRECTS} of them). */
public enum RedirectPolicy {
  /** None: a redirect is answered as an error. */
  NONE("none"),
  /** Only to the target's own host (any port or scheme); the default, so an app cannot send the sidecar elsewhere. */
  SAME_HOST("same-host"),
  /** Anywhere. Credentials and custom headers still go only to the target's own scheme, host and port. */
  ANY("any");

  private final String wireName;

  RedirectPolicy(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static RedirectPolicy fromWireName(String s) {
    for (RedirectPolicy p : values()) {
      if (p.wireName.equals(s.strip().toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException("'" + s + "' is not one of none, same-host, any");
  }
}
