package io.workerhealth.sidecar.scrape;

import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.sidecar.config.Durations;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.format.HealthParseException;
import io.workerhealth.sidecar.format.HealthResponse;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import okhttp3.Call;
import okhttp3.ConnectionSpec;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrapes an app's health endpoint. Never throws: every failure becomes a {@link ScrapeOutcome.Failure} with a
 * reason. The body is read up to the cap and no further, so a huge or endless body cannot exhaust memory, and the
 * whole scrape (redirects included) ends within the timeout, so a slow or silent app cannot stall the loop.
 */
public final class HealthScraper {

  /** Redirects followed at most; one more is reported as a loop. */
  public static final int MAX_REDIRECTS = 5;

  private static final int MAX_ERROR_MESSAGE = 300;
  private static final String UNEXPECTED_END = "unexpected end of stream";
  private static final Logger LOG = LoggerFactory.getLogger(HealthScraper.class);

  private final ScrapeTarget target;
  private final Duration timeout;
  private final HealthFormats formats;
  private final long bodyLimit;
  private final OkHttpClient base;
  private OkHttpClient http;
  private TrustedCertificates trusted;

  public HealthScraper(ScrapeTarget target, Duration timeout, long bodyLimit, HealthFormats formats) {
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("the scrape timeout must be positive"); // okhttp reads 0 as "never"
    }
    this.target = target;
    this.timeout = timeout;
    this.formats = formats;
    this.bodyLimit = bodyLimit;
    this.base = clientFor(target).newBuilder()
        .callTimeout(timeout)
        .connectTimeout(timeout)
        .readTimeout(timeout)
        .followRedirects(false) // followed here, so that the policy, the hop limit and the deadline apply
        .followSslRedirects(false)
        // a pooled keep-alive connection the app already closed is not an app failure: okhttp retries it once
        .retryOnConnectionFailure(true)
        .build();
    this.http = base;
  }

  /**
   * The HTTP client for scraping {@code target}. A plain-http target that follows no redirect to another host gets a
   * cleartext-only client: okhttp then sets up no TLS at all (no trust store is read, which costs a few MiB of heap).
   * An https target gets the platform's TLS defaults, or the CA file's certificates (see {@link #http()}).
   */
  static OkHttpClient clientFor(ScrapeTarget target) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder();
    if ("http".equals(target.url().scheme()) && target.redirects() != RedirectPolicy.ANY) {
      builder.connectionSpecs(List.of(ConnectionSpec.CLEARTEXT));
    }
    return builder.build();
  }

  public ScrapeTarget target() {
    return target;
  }

  /** The client, trusting the CA file's current certificates when one is configured (re-read when it changes). */
  OkHttpClient http() throws IOException {
    if (target.caFile() != null && (trusted == null || trusted.changedOnDisk(target.caFile()))) {
      try {
        trusted = TrustedCertificates.load(target.caFile());
        http = base.newBuilder()
            .sslSocketFactory(trusted.sslContext().getSocketFactory(), trusted.trustManager())
            .build();
      } catch (IOException | GeneralSecurityException e) {
        if (trusted == null) {
          throw new IOException("cannot read the CA file " + target.caFile() + ": " + e.getMessage(), e);
        }
        LOG.warn("cannot read the changed CA file {} ({}); keeping the certificates read before", target.caFile(),
            e.toString());
      }
    }
    return http;
  }

  public ScrapeOutcome scrape(SourceFormat format) {
    long start = System.nanoTime();
    HttpUrl url = target.url();
    Integer httpStatus = null;
    try {
      OkHttpClient client = http();
      for (int redirects = 0; ; redirects++) {
        long left = timeout.toNanos() - (System.nanoTime() - start);
        if (left <= 0) {
          return failure(ScrapeErrorReason.Timeout, "no complete answer within " + Durations.format(timeout),
              httpStatus, start);
        }
        Call call = client.newCall(request(url));
        call.timeout().timeout(left, TimeUnit.NANOSECONDS); // one deadline for the whole scrape, redirects included
        try (Response response = call.execute()) {
          httpStatus = response.code();
          HttpUrl next = response.isRedirect() ? redirectTarget(response) : null;
          if (next == null) {
            return read(response, format, start);
          }
          ScrapeOutcome refused = refuse(next, redirects, httpStatus, start);
          if (refused != null) {
            return refused;
          }
          url = next;
        }
      }
    } catch (UnknownHostException e) {
      return failure(ScrapeErrorReason.DnsFailure, "host not found: " + url.host(), httpStatus, start);
    } catch (ConnectException | NoRouteToHostException e) {
      return failure(ScrapeErrorReason.ConnectionRefused,
          "cannot connect to " + hostPort(url) + ": " + e.getMessage(), httpStatus, start);
    } catch (SocketTimeoutException e) {
      return failure(ScrapeErrorReason.Timeout, "no answer from " + hostPort(url) + " within "
          + Durations.format(timeout) + " (" + e.getMessage() + ")", httpStatus, start);
    } catch (InterruptedIOException e) {
      // okhttp's call timeout surfaces as InterruptedIOException("timeout")
      return failure(ScrapeErrorReason.Timeout, "no complete answer within " + Durations.format(timeout),
          httpStatus, start);
    } catch (SSLException e) {
      return failure(ScrapeErrorReason.NetworkError, "TLS with " + hostPort(url) + " failed: " + e.getMessage(),
          httpStatus, start);
    } catch (IOException e) {
      if (isReset(e)) {
        return failure(ScrapeErrorReason.ConnectionRefused, "connection to " + hostPort(url)
            + " was reset or closed before a complete answer (" + e.getMessage() + ")", httpStatus, start);
      }
      if (e.getCause() instanceof EOFException && String.valueOf(e.getMessage()).startsWith(UNEXPECTED_END)) {
        return failure(ScrapeErrorReason.NetworkError, "the answer from " + hostPort(url) + " broke off in its "
            + "headers, or its headers are longer than the 256 KiB read at most", httpStatus, start);
      }
      return failure(ScrapeErrorReason.NetworkError, e.getClass().getSimpleName() + ": " + e.getMessage(),
          httpStatus, start);
    } catch (RuntimeException e) {
      return failure(ScrapeErrorReason.NetworkError, e.getClass().getSimpleName() + ": " + e.getMessage(),
          httpStatus, start);
    }
  }

  private Request request(HttpUrl url) throws IOException {
    Request.Builder request = new Request.Builder().url(url)
        .header("Accept", "application/json, application/health+json;q=0.9, text/plain;q=0.5, */*;q=0.1")
        .header("User-Agent", "worker-health-sidecar")
        .get();
    // credentials and custom headers go to the configured scheme, host and port only, never where a redirect points
    if (target.sameOrigin(url)) {
      for (String name : target.headers().names()) {
        request.removeHeader(name);
        target.headers().values(name).forEach(v -> request.addHeader(name, v));
      }
      String authorization;
      try {
        authorization = target.credentials().authorization();
      } catch (IOException e) {
        throw new IOException("cannot read the credentials (" + target.credentials().describe() + "): "
            + e.getClass().getSimpleName(), e);
      }
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
    }
    return request.build();
  }

  /** Where a redirect points (without user info), or null when it has no usable Location: then it is the answer. */
  private static HttpUrl redirectTarget(Response response) {
    String location = response.header("Location");
    HttpUrl next = location == null ? null : response.request().url().resolve(location);
    return next == null ? null : ScrapeTarget.withoutUserInfo(next);
  }

  /** Why the redirect to {@code next} is not followed, as the scrape's outcome; null to follow it. */
  private ScrapeOutcome refuse(HttpUrl next, int followed, int httpStatus, long start) {
    String where = ScrapeTarget.redact(next.toString());
    boolean otherHost = !next.host().equals(target.url().host()) || !next.scheme().equals(target.url().scheme());
    if (target.redirects() == RedirectPolicy.NONE) {
      return failure(ScrapeErrorReason.HttpError, "HTTP " + httpStatus + ": redirect to " + where
          + " not followed (redirects are off)", httpStatus, start);
    }
    if (target.redirects() == RedirectPolicy.SAME_HOST && otherHost) {
      return failure(ScrapeErrorReason.HttpError, "HTTP " + httpStatus + ": redirect to another host or scheme ("
          + where + ") not followed unless redirects to any host are allowed", httpStatus, start);
    }
    if (followed >= MAX_REDIRECTS) {
      return failure(ScrapeErrorReason.NetworkError, "more than " + MAX_REDIRECTS + " redirects (a loop?), the last "
          + "to " + where, httpStatus, start);
    }
    return null;
  }

  private ScrapeOutcome read(Response response, SourceFormat format, long start) throws IOException {
    int httpStatus = response.code();
    ResponseBody body = response.body();
    if (body == null) {
      return failure(ScrapeErrorReason.HttpError, "HTTP " + httpStatus + " without a body", httpStatus, start);
    }
    if (body.contentLength() > bodyLimit) {
      return tooLarge(body.contentLength(), httpStatus, start);
    }
    BufferedSource source = body.source();
    if (source.request(bodyLimit + 1)) {
      return tooLarge(-1, httpStatus, start);
    }
    byte[] bytes = source.getBuffer().readByteArray();
    HealthResponse health = new HealthResponse(httpStatus, response.header("Content-Type"), bytes);
    try {
      return new ScrapeOutcome.Success(formats.parse(health, format), httpStatus, since(start));
    } catch (HealthParseException e) {
      boolean httpFailure = httpStatus < 200 || httpStatus >= 300;
      if (!httpFailure) {
        return failure(e.reason(), e.getMessage(), httpStatus, start);
      }
      // An error status whose body no format recognizes is an HTTP error; a body a format recognized but had to
      // refuse (invalid, nested too deep, …) keeps that reason, so the cause is not hidden behind the status.
      if (e.reason() == ScrapeErrorReason.UnknownFormat) {
        return failure(ScrapeErrorReason.HttpError, "HTTP " + httpStatus + ", and the body could not be read: "
            + e.getMessage(), httpStatus, start);
      }
      return failure(e.reason(), "HTTP " + httpStatus + ": " + e.getMessage(), httpStatus, start);
    }
  }

  /**
   * A connection the app reset, or closed before a byte of the answer (okhttp: "unexpected end of stream" caused by an
   * end of input after nothing, "limit=0"; the same message with some bytes read is headers broken off or too long).
   */
  private static boolean isReset(IOException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    if (e instanceof SocketException && m.contains("reset")) {
      return true;
    }
    if (!m.startsWith(UNEXPECTED_END)) {
      return false;
    }
    return !(e.getCause() instanceof EOFException eof) || String.valueOf(eof.getMessage()).contains("limit=0 ");
  }

  private ScrapeOutcome tooLarge(long contentLength, Integer httpStatus, long start) {
    return failure(ScrapeErrorReason.BodyTooLarge, "body is larger than the limit of " + bodyLimit + " bytes"
        + (contentLength > 0 ? " (Content-Length " + contentLength + ")" : ""), httpStatus, start);
  }

  private static ScrapeOutcome failure(ScrapeErrorReason reason, String message, Integer httpStatus, long start) {
    String m = message == null ? reason.name() : message;
    if (m.length() > MAX_ERROR_MESSAGE) {
      m = m.substring(0, MAX_ERROR_MESSAGE - 1) + "…";
    }
    return new ScrapeOutcome.Failure(new ScrapeError(reason, m), httpStatus, since(start));
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  private static String hostPort(HttpUrl url) {
    return url.host() + ":" + url.port();
  }

  /** Releases the connection pool and dispatcher threads. */
  public void close() {
    base.dispatcher().executorService().shutdown();
    base.connectionPool().evictAll();
  }
}
