package dev.j8s.kubelet.credentials;

/**
 * A credential source could not be read or used; the message names the source and never contains a credential
 * value. Immutable and thread-safe.
 */
public final class CredentialsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public CredentialsException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause} (whose message must be value-free too). */
    public CredentialsException(String message, Throwable cause) {
        super(message, cause);
    }
}
