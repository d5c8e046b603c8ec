package dev.j8s.kubelet.container;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;

/** Finds a container of a pod's spec by name. Stateless and thread-safe. */
public final class PodContainers {
    private PodContainers() {}

    /** The app or init container of {@code pod} called {@code name}, or null when the spec has none. */
    public static Container named(Pod pod, String name) {
        for (Container c : pod.getSpec().getContainers()) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        for (Container c : pod.getSpec().getInitContainers()) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        return null;
    }
}
