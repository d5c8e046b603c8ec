package dev.j8s.oci.manifest;

/**
 * Thrown when a manifest, index or image config is malformed, unsupported or hostile.
 *
 * <p>Immutable and thread-safe.
 */
public final class ManifestException extends RuntimeException {
    public ManifestException(String message) {
        super(message);
    }

    public ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
