/**
 * The latest probe results per container instance, read by the sync (liveness and startup failures kill) and by the
 * status (started and ready); corresponds to upstream {@code pkg/kubelet/prober/results}.
 */
package dev.j8s.kubelet.prober.results;
