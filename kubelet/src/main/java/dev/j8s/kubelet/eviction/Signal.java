package dev.j8s.kubelet.eviction;

import java.util.Optional;

/**
 * The eviction signals (upstream {@code evictionapi.Signal}): what each measures, the resource evicting a pod
 * reclaims ({@code memory}, {@code ephemeral-storage}, {@code inodes}, {@code pids}) and the node condition a met
 * threshold raises. Immutable.
 */
public enum Signal {
    MEMORY_AVAILABLE("memory.available", "memory", "MemoryPressure"),
    NODEFS_AVAILABLE("nodefs.available", "ephemeral-storage", "DiskPressure"),
    NODEFS_INODES_FREE("nodefs.inodesFree", "inodes", "DiskPressure"),
    IMAGEFS_AVAILABLE("imagefs.available", "ephemeral-storage", "DiskPressure"),
    IMAGEFS_INODES_FREE("imagefs.inodesFree", "inodes", "DiskPressure"),
    PID_AVAILABLE("pid.available", "pids", "PIDPressure");

    private final String value;
    private final String resource;
    private final String nodeCondition;

    Signal(String value, String resource, String nodeCondition) {
        this.value = value;
        this.resource = resource;
        this.nodeCondition = nodeCondition;
    }

    /** The name flags and messages use, e.g. {@code nodefs.available}. */
    public String value() {
        return value;
    }

    /** The resource an eviction for this signal reclaims, as the eviction message names it. */
    public String resource() {
        return resource;
    }

    /** The node condition a met threshold of this signal sets. */
    public String nodeCondition() {
        return nodeCondition;
    }

    /** The signal named {@code value}. */
    public static Optional<Signal> of(String value) {
        for (Signal s : values()) {
            if (s.value.equals(value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
