package dev.j8s.kubelet.lifecycle;

import dev.j8s.kubelet.container.ContainerKind;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.util.List;

/**
 * The container instance a hook runs for, and where to reach it; immutable and thread-safe.
 *
 * @param sandboxId the instance's sandbox, whose network namespace HTTP hooks to the pod's address go through
 * @param podIps the pod's addresses, primary first (empty when the sandbox has none)
 * @param logPath the instance's CRI log, where hook output goes on request
 */
public record HookTarget(Pod pod, Container container, ContainerKind kind, String containerId, String sandboxId,
        List<String> podIps, Path logPath) {

    public HookTarget {
        podIps = List.copyOf(podIps);
    }
}
