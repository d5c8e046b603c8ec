package dev.j8s.kubelet.container;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the runtime manager asks the kubelet for when it creates a container (upstream
 * {@code kubecontainer.RuntimeHelper}); implementations are thread-safe.
 */
@FunctionalInterface
public interface RuntimeHelper {

    /** Adds nothing: no variables, no mounts. */
    RuntimeHelper NONE = (pod, container, podIps) -> RunContainerOptions.NONE;

    /**
     * Upstream {@code GenerateRunContainerOptions}: the environment and mounts of {@code container} in a sandbox
     * whose IPs {@code podIps} answers (it may wait for the sandbox's network, so it is asked only when needed).
     *
     * @throws ConfigException when they cannot be made ({@code CreateContainerConfigError}, e.g. a missing secret)
     */
    RunContainerOptions generateRunContainerOptions(Pod pod, Container container, Supplier<List<String>> podIps);
}
