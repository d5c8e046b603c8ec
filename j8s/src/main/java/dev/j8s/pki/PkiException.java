package dev.j8s.pki;

/** Generating, loading or storing cluster certificates, keys or the admin token failed. */
public final class PkiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    PkiException(String message) {
        super(message);
    }

    PkiException(String message, Throwable cause) {
        super(message, cause);
    }
}
