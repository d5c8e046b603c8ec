package dev.j8s.kubeconfig;

/** A kubeconfig could not be read, merged or rendered. */
public final class KubeconfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    KubeconfigException(String message) {
        super(message);
    }

    KubeconfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
