/**
 * Liveness, readiness and startup probes: one worker per probe of each running container, on a virtual thread with
 * the probe's period, initial delay and thresholds; {@code exec} through the runtime, {@code httpGet},
 * {@code tcpSocket} and {@code grpc} from the node into the pod's network namespace ({@link dev.j8s.kubelet.probe});
 * {@code Unhealthy} and {@code ProbeWarning} events; results that make the sync kill (liveness, startup) and the
 * status ready (readiness). Corresponds to upstream {@code pkg/kubelet/prober}.
 */
package dev.j8s.kubelet.prober;
