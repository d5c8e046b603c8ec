package dev.j8s.apiserver.storage;

/**
 * The store could not be opened or set up (bad file, pragma not in effect, schema error); request
 * failures are {@link dev.j8s.apiserver.errors.ApiError}s instead. Immutable and thread-safe.
 */
public final class StorageException extends RuntimeException {

    StorageException(String message) {
        super(message);
    }

    StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
