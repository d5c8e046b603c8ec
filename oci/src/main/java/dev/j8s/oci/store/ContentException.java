package dev.j8s.oci.store;

/**
 * Thrown when content fails verification (digest or size) or cannot be stored.
 *
 * <p>Immutable and thread-safe.
 */
public final class ContentException extends RuntimeException {
    public ContentException(String message) {
        super(message);
    }

    public ContentException(String message, Throwable cause) {
        super(message, cause);
    }
}
