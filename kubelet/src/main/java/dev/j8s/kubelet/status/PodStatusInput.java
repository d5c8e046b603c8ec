package dev.j8s.kubelet.status;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the kubelet knows about one pod when it computes the pod's API status; immutable and
 * thread-safe.
 *
 * @param pod the pod as last read from the API (its status is the previous status)
 * @param containers every container instance the runtime still has for the pod, any order
 * @param sandboxReady the sandbox exists and its network is configured (PodReadyToStartContainers)
 * @param hostIps the node's addresses, primary first
 * @param podIps the sandbox's addresses, primary first; empty without a sandbox (the previous status's are kept)
 * @param waiting per container name, why it could not be started on the last sync (the reason cache)
 * @param terminal the pod worker finished the pod: it was deleted or reached a terminal phase and all
 *     its containers stopped, so the phase must be terminal
 * @param now the time used for new condition transitions and the start time
 * @param probes the latest startup and readiness results, which make a running container started and ready
 */
public record PodStatusInput(
    Pod pod,
    List<ContainerObservation> containers,
    boolean sandboxReady,
    List<String> hostIps,
    List<String> podIps,
    Map<String, WaitingReason> waiting,
    boolean terminal,
    Instant now,
    ProbeVerdicts probes) {

  public PodStatusInput {
    containers = List.copyOf(containers);
    hostIps = List.copyOf(hostIps);
    podIps = List.copyOf(podIps);
    waiting = Map.copyOf(waiting);
  }

  /** An input for a pod without probe results (every running container started and ready). */
  public PodStatusInput(Pod pod, List<ContainerObservation> containers, boolean sandboxReady, List<String> hostIps,
      List<String> podIps, Map<String, WaitingReason> waiting, boolean terminal, Instant now) {
    this(pod, containers, sandboxReady, hostIps, podIps, waiting, terminal, now, ProbeVerdicts.NONE);
  }
}
