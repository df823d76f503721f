package io.workerhealth.sidecar.scrape;

import java.nio.file.Path;
import java.util.regex.Pattern;
import okhttp3.Headers;
import okhttp3.HttpUrl;

/**
 * Where and how the sidecar scrapes. The URL carries no credentials: those given in it ({@code http://user:pass@…})
 * are moved into {@link #credentials()} and sent as basic auth, and everything a person sees (logs, the WorkerHealth's
 * {@code spec.targetURL}, error messages) uses {@link #display()}, where they read {@code ***}.
 *
 * @param url         the URL requested, without user info
 * @param display     the URL as shown to people: {@code ***@} where the user info was
 * @param credentials what is sent as the Authorization header (only to the URL's own scheme, host and port)
 * @param headers     custom headers (only to the URL's own scheme, host and port); their values are never shown
 * @param caFile      PEM certificates to trust for https instead of the platform's, or null
 * @param redirects   which redirects to follow
 */
public record ScrapeTarget(HttpUrl url, String display, EndpointCredentials credentials, Headers headers, Path caFile,
                           RedirectPolicy redirects) {

  private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@");

  /** A plain target: no credentials beyond those in the URL, no headers, the platform's CAs, same-host redirects. */
  public static ScrapeTarget of(String url) {
    HttpUrl parsed = parseUrl(url);
    return new ScrapeTarget(withoutUserInfo(parsed), redact(url), credentialsIn(parsed), Headers.of(), null,
        RedirectPolicy.SAME_HOST);
  }

  /**
   * An http(s) URL with a host. Throws IllegalArgumentException with a message that does not repeat the URL's user
   * info.
   */
  public static HttpUrl parseUrl(String url) {
    HttpUrl parsed = url == null ? null : HttpUrl.parse(url.strip());
    if (parsed == null) {
      throw new IllegalArgumentException("must be an http or https URL with a host");
    }
    return parsed;
  }

  /** Basic credentials from the URL's user info, or none. */
  public static EndpointCredentials credentialsIn(HttpUrl url) {
    return url.username().isEmpty() && url.password().isEmpty() ? EndpointCredentials.NONE
        : new EndpointCredentials.Basic(url.username(), null, url.password());
  }

  public static HttpUrl withoutUserInfo(HttpUrl url) {
    return url.newBuilder().username("").password("").build();
  }

  /** Any text that may be a URL, with its user info (if any) replaced by {@code ***}: safe to log or store. */
  public static String redact(String url) {
    return url == null ? null : USER_INFO.matcher(url.strip()).replaceFirst("$1***@");
  }

  /** Whether credentials and custom headers may be sent to {@code other}: same scheme, host and port. */
  public boolean sameOrigin(HttpUrl other) {
    return other.scheme().equals(url.scheme()) && other.host().equals(url.host()) && other.port() == url.port();
  }

  @Override
  public String toString() {
    return display;
  }
}
