package io.workerhealth.sidecar.scrape;

import io.workerhealth.api.v1alpha1.ScrapeError;
import io.workerhealth.api.v1alpha1.ScrapeErrorReason;
import io.workerhealth.api.v1alpha1.SourceFormat;
import io.workerhealth.sidecar.format.HealthFormats;
import io.workerhealth.sidecar.format.HealthParseException;
import io.workerhealth.sidecar.format.HealthResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Scrapes an app's health endpoint. Never throws: every failure becomes a {@link ScrapeOutcome.Failure} with a
 * reason. The body is read up to the cap and no further, so a huge or endless body cannot exhaust memory.
 */
public final class HealthScraper {

  private static final int MAX_ERROR_MESSAGE = 300;

  private final OkHttpClient http;
  private final HealthFormats formats;
  private final long bodyLimit;

  public HealthScraper(OkHttpClient base, Duration timeout, long bodyLimit, HealthFormats formats) {
    this.http = base.newBuilder()
        .callTimeout(timeout)
        .connectTimeout(timeout)
        .readTimeout(timeout)
        .followRedirects(true) // okhttp stops after 20 redirects
        .followSslRedirects(false)
        // a pooled keep-alive connection the app already closed is not an app failure: okhttp retries it once
        .retryOnConnectionFailure(true)
        .build();
    this.formats = formats;
    this.bodyLimit = bodyLimit;
  }

  /**
   * The HTTP client for scraping {@code target}. A plain-http target gets a cleartext-only client: okhttp then sets up
   * no TLS at all (no trust store is read, which costs a few MiB of heap), and nothing is lost since the scraper does
   * not follow redirects from http to https anyway. An https target gets the platform's TLS defaults.
   */
  public static OkHttpClient clientFor(URI target) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder();
    if ("http".equalsIgnoreCase(target.getScheme())) {
      builder.connectionSpecs(List.of(ConnectionSpec.CLEARTEXT));
    }
    return builder.build();
  }

  public ScrapeOutcome scrape(URI url, SourceFormat format) {
    long start = System.nanoTime();
    Request request = new Request.Builder().url(url.toString())
        .header("Accept", "application/json, application/health+json;q=0.9, text/plain;q=0.5, */*;q=0.1")
        .header("User-Agent", "worker-health-sidecar")
        .get()
        .build();
    Integer httpStatus = null;
    try (Response response = http.newCall(request).execute()) {
      httpStatus = response.code();
      ResponseBody body = response.body();
      String contentType = response.header("Content-Type");
      if (body == null || body.contentLength() > bodyLimit) {
        return body == null
            ? failure(ScrapeErrorReason.HttpError, "HTTP " + httpStatus + " without a body", httpStatus, start)
            : tooLarge(body.contentLength(), httpStatus, start);
      }
      BufferedSource source = body.source();
      if (source.request(bodyLimit + 1)) {
        return tooLarge(-1, httpStatus, start);
      }
      byte[] bytes = source.getBuffer().readByteArray();
      HealthResponse health = new HealthResponse(httpStatus, contentType, bytes);
      try {
        return new ScrapeOutcome.Success(formats.parse(health, format), httpStatus, since(start));
      } catch (HealthParseException e) {
        boolean httpFailure = httpStatus < 200 || httpStatus >= 300;
        return failure(httpFailure ? ScrapeErrorReason.HttpError : e.reason(),
            (httpFailure ? "HTTP " + httpStatus + ", and the body could not be read: " : "") + e.getMessage(),
            httpStatus, start);
      }
    } catch (UnknownHostException e) {
      return failure(ScrapeErrorReason.DnsFailure, "host not found: " + url.getHost(), httpStatus, start);
    } catch (ConnectException | NoRouteToHostException e) {
      return failure(ScrapeErrorReason.ConnectionRefused,
          "cannot connect to " + url.getHost() + ":" + port(url) + ": " + e.getMessage(), httpStatus, start);
    } catch (SocketTimeoutException e) {
      return failure(ScrapeErrorReason.Timeout, "no answer in time: " + e.getMessage(), httpStatus, start);
    } catch (InterruptedIOException e) {
      // okhttp's call timeout surfaces as InterruptedIOException("timeout")
      return failure(ScrapeErrorReason.Timeout, "no complete answer within the timeout", httpStatus, start);
    } catch (IOException | RuntimeException e) {
      return failure(ScrapeErrorReason.NetworkError, e.getClass().getSimpleName() + ": " + e.getMessage(),
          httpStatus, start);
    }
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

  private static int port(URI url) {
    if (url.getPort() > 0) {
      return url.getPort();
    }
    return "https".equals(url.getScheme()) ? 443 : 80;
  }

  /** Releases the connection pool and dispatcher threads. */
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

}
