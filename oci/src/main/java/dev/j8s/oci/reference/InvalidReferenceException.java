package dev.j8s.oci.reference;

/**
 * Thrown when an image reference or digest does not parse; the message is upstream's error text.
 *
 * <p>Immutable and thread-safe. {@link #input()} is the string that was rejected.
 */
public final class InvalidReferenceException extends IllegalArgumentException {
    private final String input;

    InvalidReferenceException(String input, String message) {
        super(message);
        this.input = input;
    }

    /** The rejected string, verbatim. */
    public String input() {
        return input;
    }
}
