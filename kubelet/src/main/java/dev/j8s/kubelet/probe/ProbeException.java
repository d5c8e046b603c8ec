package dev.j8s.kubelet.probe;

/**
 * A probe or hook that could not be run at all (upstream's {@code err} beside a {@code probe.Unknown} result): a port
 * that cannot be resolved, a pod without an address; the message is upstream's error text.
 */
public final class ProbeException extends RuntimeException {
    public ProbeException(String message) {
        super(message);
    }
}
