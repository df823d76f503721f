package io.workerhealth.api.v1alpha1;

/** Why a scrape produced no usable worker states. */
public enum ScrapeErrorReason {
  /** The connection was refused or reset. */
  ConnectionRefused,
  /** Connecting or reading took longer than the timeout. */
  Timeout,
  /** The host name did not resolve. */
  DnsFailure,
  /** Any other transport failure (TLS, protocol, too many redirects). */
  NetworkError,
  /** The body was larger than the configured cap. */
  BodyTooLarge,
  /** The body was not valid for the detected or forced format. */
  ParseError,
  /** No known format matched the body. */
  UnknownFormat,
  /** An HTTP status with no body the format could read. */
  HttpError,
  /** The pod asks for settings the reporter cannot use (a node agent reads them from the pod's annotations). */
  InvalidConfiguration
}
