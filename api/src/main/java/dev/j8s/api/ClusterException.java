package dev.j8s.api;

/**
 * A failed call to the Kubernetes API, by kind; unchecked, immutable and thread-safe.
 *
 * <p>The message names the action and the object ({@code update status of pod default/web: …}).
 */
public sealed class ClusterException extends RuntimeException {

  private final int code;

  ClusterException(String message, int code, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The HTTP status code the server answered, or 0 when there was no answer. */
  public int code() {
    return code;
  }

  /** 404: the object does not exist. */
  public static final class NotFound extends ClusterException {
    NotFound(String message, Throwable cause) {
      super(message, 404, cause);
    }
  }

  /** 409 on create: the object already exists. */
  public static final class AlreadyExists extends ClusterException {
    AlreadyExists(String message, Throwable cause) {
      super(message, 409, cause);
    }
  }

  /** 409 on update: the object changed since it was read (or a precondition failed). */
  public static final class Conflict extends ClusterException {
    Conflict(String message, Throwable cause) {
      super(message, 409, cause);
    }
  }

  /** Any other failure: the server refused, or could not be reached ({@link #code()} 0). */
  public static final class Failed extends ClusterException {
    Failed(String message, int code, Throwable cause) {
      super(message, code, cause);
    }
  }
}
