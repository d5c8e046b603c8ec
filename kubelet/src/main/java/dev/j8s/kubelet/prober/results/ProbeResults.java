package dev.j8s.kubelet.prober.results;

import java.util.Optional;

/**
 * The latest liveness, readiness and startup results, by container instance ID; empty before a probe of that kind
 * reported one. A read-only view; implementations are thread-safe.
 */
public interface ProbeResults {

    /** No probe results at all (a pod without probes, or tests). */
    ProbeResults NONE = new ProbeResults() {
        @Override
        public Optional<Result> liveness(String containerId) {
            return Optional.empty();
        }

        @Override
        public Optional<Result> readiness(String containerId) {
            return Optional.empty();
        }

        @Override
        public Optional<Result> startup(String containerId) {
            return Optional.empty();
        }
    };

    Optional<Result> liveness(String containerId);

    Optional<Result> readiness(String containerId);

    Optional<Result> startup(String containerId);
}
