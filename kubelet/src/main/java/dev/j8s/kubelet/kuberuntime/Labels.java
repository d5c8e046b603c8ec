package dev.j8s.kubelet.kuberuntime;

/** The labels and annotations the kubelet puts on sandboxes and containers (upstream {@code labels.go}); constants only. */
public final class Labels {
    public static final String POD_UID = "io.kubernetes.pod.uid";
    public static final String POD_NAME = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String CONTAINER_NAME = "io.kubernetes.container.name";
    public static final String CONTAINER_HASH = "io.kubernetes.container.hash";
    /** The image ID shown in {@code status.containerStatuses[].imageID}. */
    public static final String IMAGE_ID = "dev.j8s.image.id";

    private Labels() {}
}
