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

  /**
   * The exception for an API answer, by kind: 404 is {@link NotFound}, 409 with reason {@code AlreadyExists}
   * is {@link AlreadyExists}, any other 409 is {@link Conflict}, the rest {@link Failed}. {@code message}
   * names the action and the object; {@code code} is 0 when there was no answer.
   */
  public static ClusterException of(String message, int code, String reason, Throwable cause) {
    return switch (code) {
      case 404 -> new NotFound(message, cause);
      case 409 -> "AlreadyExists".equals(reason) ? new AlreadyExists(message, cause) : new Conflict(message, cause);
      default -> new Failed(message, code, cause);
    };
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
