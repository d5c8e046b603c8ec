package dev.j8s.kubelet.container;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;

/**
 * Builds the {@code involvedObject} of container events the way upstream's {@code GenerateContainerRef}
 * does: the Pod ({@code v1}, name, namespace, uid, resourceVersion) with the container's field path.
 * Stateless and thread-safe.
 */
public final class ContainerReferences {
    private ContainerReferences() {}

    /** The reference to {@code container} of {@code pod}, e.g. fieldPath {@code spec.initContainers{init}}. */
    public static ObjectReference of(Pod pod, Container container, ContainerKind kind) {
        return of(pod, kind.fieldPath(container.getName() == null ? "" : container.getName()));
    }

    /** The reference to {@code pod} itself (no field path), for pod-level events. */
    public static ObjectReference of(Pod pod) {
        return of(pod, null);
    }

    private static ObjectReference of(Pod pod, String fieldPath) {
        ObjectMeta meta = pod.getMetadata() == null ? new ObjectMeta() : pod.getMetadata();
        return new ObjectReferenceBuilder()
                .withApiVersion("v1")
                .withKind("Pod")
                .withNamespace(meta.getNamespace())
                .withName(meta.getName())
                .withUid(meta.getUid())
                .withResourceVersion(meta.getResourceVersion())
                .withFieldPath(fieldPath)
                .build();
    }
}
