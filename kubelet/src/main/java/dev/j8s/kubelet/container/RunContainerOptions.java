package dev.j8s.kubelet.container;

import dev.j8s.runtime.ContainerConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * What the kubelet adds to a container beyond its image and spec (upstream {@code kubecontainer.RunContainerOptions}):
 * the environment it computed and the mounts of its volumes and identity files; immutable.
 *
 * @param env the variables in the order they are passed to the runtime; later entries override the image's
 * @param mounts bind mounts, parents before their children
 */
public record RunContainerOptions(SequencedMap<String, String> env, List<ContainerConfig.Mount> mounts) {
    public RunContainerOptions {
        env = java.util.Collections.unmodifiableSequencedMap(new LinkedHashMap<>(env));
        mounts = List.copyOf(mounts);
    }

    /** No variables, no mounts. */
    public static final RunContainerOptions NONE = new RunContainerOptions(new LinkedHashMap<>(), List.of());

    /** These options with {@code env} instead. */
    public RunContainerOptions withEnv(Map<String, String> newEnv) {
        return new RunContainerOptions(new LinkedHashMap<>(newEnv), mounts);
    }
}
