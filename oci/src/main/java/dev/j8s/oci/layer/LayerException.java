package dev.j8s.oci.layer;

/**
 * Thrown when a layer cannot be unpacked: a hostile or malformed entry, a limit, or an I/O failure.
 * The message names the layer and, where there is one, the entry.
 *
 * <p>Immutable and thread-safe.
 */
public final class LayerException extends RuntimeException {
    public LayerException(String message) {
        super(message);
    }

    public LayerException(String message, Throwable cause) {
        super(message, cause);
    }
}
