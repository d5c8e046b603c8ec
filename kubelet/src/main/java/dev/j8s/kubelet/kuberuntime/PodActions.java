package dev.j8s.kubelet.kuberuntime;

import dev.j8s.kubelet.container.ContainerKind;
import java.util.List;
import java.util.Optional;

/**
 * What one sync does to a pod, decided by {@link KubeRuntimeManager#computePodActions} from the pod and what the
 * runtime has, before anything is done (upstream {@code podActions} in {@code kuberuntime_manager.go}); immutable
 * and thread-safe.
 *
 * <p>Containers are named by their index in the pod spec, as upstream does, so a list of init containers to start
 * can hold one ordinary init container or several restartable ones (sidecars) alike.
 *
 * @param killPod stop every container and sandbox of the pod first: its sandbox died or was stopped (a pod whose
 *     containers are all done is killed by the kubelet from its phase, not through these actions)
 * @param createSandbox make a new sandbox before any container starts
 * @param sandboxId the ready sandbox the containers start in; with {@code createSandbox}, the sandbox being
 *     replaced (empty for a pod that never had one)
 * @param attempt the attempt number of the sandbox: of the ready one, or of the one to create
 * @param initContainersToStart indexes into {@code spec.initContainers}, in the order they start; a failed start
 *     stops the ones after it
 * @param containersToStart indexes into {@code spec.containers}
 * @param containersToKill running containers stopped (with the pod's grace period) before anything starts
 * @param containersToRemove instances that never started (Created) or were lost (Unknown), removed before their
 *     container starts again
 * @param postStartHooksToRerun running instances (IDs) whose postStart the hook journal has as started and never
 *     finished (the kubelet stopped during it): the hook runs again before anything starts
 */
public record PodActions(
        boolean killPod,
        boolean createSandbox,
        Optional<String> sandboxId,
        int attempt,
        List<Integer> initContainersToStart,
        List<Integer> containersToStart,
        List<ContainerToKill> containersToKill,
        List<String> containersToRemove,
        List<String> postStartHooksToRerun) {

    public PodActions {
        initContainersToStart = List.copyOf(initContainersToStart);
        containersToStart = List.copyOf(containersToStart);
        containersToKill = List.copyOf(containersToKill);
        containersToRemove = List.copyOf(containersToRemove);
        postStartHooksToRerun = List.copyOf(postStartHooksToRerun);
    }

    /** Nothing to do in the running sandbox {@code sandboxId}: everything runs, waits or is done. */
    static PodActions keep(String sandboxId, int attempt) {
        return new PodActions(false, false, Optional.of(sandboxId), attempt, List.of(), List.of(), List.of(),
                List.of(), List.of());
    }

    /** These actions with {@code ids} as the postStart hooks to run again. */
    PodActions withPostStartHooksToRerun(List<String> ids) {
        return new PodActions(killPod, createSandbox, sandboxId, attempt, initContainersToStart, containersToStart,
                containersToKill, containersToRemove, ids);
    }

    /**
     * Why a running container is stopped (upstream {@code containerKillReason}); it decides the grace period (a probe's
     * own {@code terminationGracePeriodSeconds} for a probe failure).
     */
    public enum KillReason {
        /** Its spec (image) changed: the container is restarted whatever the restart policy. */
        DEFINITION_CHANGED,
        /** Its postStart hook failed (upstream {@code reasonFailedPostStartHook}). */
        FAILED_POST_START_HOOK,
        /** Its liveness probe failed: the probe's own grace period, if set, applies. */
        LIVENESS_PROBE,
        /** Its startup probe failed: the probe's own grace period, if set, applies. */
        STARTUP_PROBE,
        /** The pod is being terminated, or any other kill (upstream {@code reasonUnknown}). */
        UNKNOWN
    }

    /**
     * One running container to stop (upstream {@code containerToKillInfo}).
     *
     * @param containerId the runtime's ID of the running instance
     * @param name the container's name in the pod spec
     * @param kind which list of the spec it is in (its events' field path)
     * @param message the {@code Killing} event's message
     */
    public record ContainerToKill(String containerId, String name, ContainerKind kind, KillReason reason,
            String message) {}
}
