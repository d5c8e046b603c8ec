package dev.j8s.kubelet.format;

import io.fabric8.kubernetes.api.model.Pod;

/** Upstream's {@code format.Pod}: a pod named in kubelet messages; stateless and thread-safe. */
public final class PodDescription {
    private PodDescription() {}

    /** {@code name_namespace(uid)}. */
    public static String of(Pod pod) {
        return pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + pod.getMetadata().getUid()
                + ")";
    }
}
