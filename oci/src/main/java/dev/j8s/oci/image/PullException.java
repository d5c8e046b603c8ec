package dev.j8s.oci.image;

/**
 * Thrown when a pull or import fails; the message names the image and the cause and never contains a credential.
 *
 * <p>Immutable and thread-safe.
 */
public final class PullException extends RuntimeException {
    /** Why the pull failed, for the kubelet's reasons and back-off. */
    public enum Kind {
        /** The registry has no such repository, tag or digest (or no manifest for this platform). */
        NOT_FOUND,
        /** The registry or its token service refused the (missing) credentials. */
        UNAUTHORIZED,
        /** The registry could not be reached or a transfer failed after retries. */
        NETWORK,
        /** The content is malformed, hostile, or does not match its digests. */
        INVALID_IMAGE,
        /** The node's image file system failed or is full. */
        STORAGE
    }

    private final Kind kind;

    public PullException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public PullException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
