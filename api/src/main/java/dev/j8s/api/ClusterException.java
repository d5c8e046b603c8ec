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
   * is {@link AlreadyExists}, any other 409 is {@link Conflict}, 410 is {@link Gone}, the rest {@link Failed}. {@code message}
   * names the action and the object; {@code code} is 0 when there was no answer.
   */
  public static ClusterException of(String message, int code, String reason, Throwable cause) {
    return switch (code) {
      case 404 -> new NotFound(message, cause);
      case 409 -> "AlreadyExists".equals(reason) ? new AlreadyExists(message, cause) : new Conflict(message, cause);
      case 410 -> new Gone(message, cause);
      default -> new Failed(message, code, cause);
    };
  }

  /** The exception for a failed fabric8 call, by the Status the server answered ({@code code} 0: no answer). */
  public static ClusterException of(String action, io.fabric8.kubernetes.client.KubernetesClientException e) {
    io.fabric8.kubernetes.api.model.Status status = e.getStatus();
    String reason = status == null ? "" : String.valueOf(status.getReason());
    String detail = status != null && status.getMessage() != null ? status.getMessage() : e.getMessage();
    return of(action + ": " + detail, e.getCode(), reason, e);
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

  /** 410: a watch or list asked for a resourceVersion older than the server keeps; list again. */
  public static final class Gone extends ClusterException {
    Gone(String message, Throwable cause) {
      super(message, 410, cause);
    }
  }

  /** Any other failure: the server refused, or could not be reached ({@link #code()} 0). */
  public static final class Failed extends ClusterException {
    Failed(String message, int code, Throwable cause) {
      super(message, code, cause);
    }
  }
}
