package dev.j8s.oci.registry;

/**
 * Thrown when a registry operation fails; the message names the action and the subject and never contains
 * credentials. {@link #status()} is the HTTP status, or 0 when none was received.
 *
 * <p>Immutable and thread-safe.
 */
public final class RegistryException extends RuntimeException {
    private final int status;

    public RegistryException(String message, int status) {
        super(message);
        this.status = status;
    }

    public RegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** The HTTP status that caused the failure, 0 if none. */
    public int status() {
        return status;
    }

    /** Whether the registry said the manifest or blob does not exist. */
    public boolean notFound() {
        return status == 404;
    }
}
