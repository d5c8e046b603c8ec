package dev.j8s.kubelet.container;

/**
 * Which list of the pod spec a container comes from; decides its event {@code fieldPath}
 * (upstream {@code fieldpath.ExtractContainerFieldPath}). Immutable and thread-safe.
 */
public enum ContainerKind {
    CONTAINER("spec.containers"),
    INIT_CONTAINER("spec.initContainers"),
    EPHEMERAL_CONTAINER("spec.ephemeralContainers");

    private final String specField;

    ContainerKind(String specField) {
        this.specField = specField;
    }

    /** The field path of container {@code name}, e.g. {@code spec.containers{app}}. */
    public String fieldPath(String name) {
        return specField + "{" + name + "}";
    }
}
