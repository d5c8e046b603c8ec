package dev.j8s.kubelet.status;

import java.util.Optional;

/**
 * What the prober says of running container instances, as the status needs it (upstream's prober manager fills
 * {@code started} and {@code ready} of the statuses it is given); implementations are thread-safe.
 */
public interface ProbeVerdicts {

    /** No probe results: every running container with probes is neither started by them nor ready by them yet. */
    ProbeVerdicts NONE = new ProbeVerdicts() {
        @Override
        public Optional<Boolean> startupSucceeded(String containerId) {
            return Optional.empty();
        }

        @Override
        public Optional<Boolean> readinessSucceeded(String containerId) {
            return Optional.empty();
        }
    };

    /** Whether the instance's startup probe last succeeded; empty before its first result. */
    Optional<Boolean> startupSucceeded(String containerId);

    /** Whether the instance's readiness probe last succeeded; empty before its first result. */
    Optional<Boolean> readinessSucceeded(String containerId);
}
