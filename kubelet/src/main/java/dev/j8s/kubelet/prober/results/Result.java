package dev.j8s.kubelet.prober.results;

/** A probe's standing for a container instance (upstream {@code results.Result}); immutable. */
public enum Result {
    SUCCESS, FAILURE, UNKNOWN
}
