package dev.j8s.kubelet.logs;

/**
 * A log request that cannot be served, worded as the upstream kubelet words it (the API answers it as a
 * 400 BadRequest); unchecked and immutable.
 */
public final class LogsException extends RuntimeException {

  LogsException(String message) {
    super(message);
  }

  LogsException(String message, Throwable cause) {
    super(message, cause);
  }
}
