package dev.j8s.kubelet.volume;

import dev.j8s.runtime.oci.Mounts;
import io.fabric8.kubernetes.api.model.EmptyDirVolumeSource;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;

/**
 * The {@code emptyDir} plugin (upstream {@code pkg/volume/emptydir}): a directory of mode 0777 on the node's disk,
 * or with {@code medium: Memory} a tmpfs sized by {@link #memorySize}, made once and kept across restarts of the kubelet and of containers. Stateless and thread-safe.
 */
public final class EmptyDir {

    /** The plugin directory name under {@code volumes/}. */
    public static final String PLUGIN = "kubernetes.io~empty-dir";

    private EmptyDir() {}

    /**
     * Makes the volume at {@code dir} if it is not there yet; a memory volume already mounted (a running pod
     * re-adopted after a restart) is left as it is, never mounted again under its containers.
     *
     * @param podMemoryLimit the pod's memory limit in bytes, when every container has one
     * @param nodeMemory the node's memory in bytes, the size of last resort of a memory volume
     * @throws VolumeException for a medium this plugin does not support
     */
    public static void setUp(Path dir, EmptyDirVolumeSource source, OptionalLong podMemoryLimit, long nodeMemory) {
        String medium = source.getMedium() == null ? "" : source.getMedium();
        switch (medium) {
            case "" -> makeDir(dir);
            case "Memory" -> {
                makeDir(dir);
                if (!Mounts.isMountPoint(dir)) {
                    Mounts.mountTmpfsVolume(dir, "size=" + memorySize(source, podMemoryLimit, nodeMemory)
                            + ",mode=777");
                }
            }
            default -> throw new VolumeException("emptyDir medium \"" + medium + "\" is not supported by j8s yet"
                    + " (supported: \"\" and \"Memory\")");
        }
    }

    /**
     * The size of a memory volume as upstream's {@code calculateEmptyDirMemorySize}: the node's memory, lowered to
     * the pod's memory limit and then to the volume's {@code sizeLimit} when they are smaller.
     */
    static long memorySize(EmptyDirVolumeSource source, OptionalLong podMemoryLimit, long nodeMemory) {
        long size = nodeMemory;
        if (podMemoryLimit.isPresent() && podMemoryLimit.getAsLong() > 0 && podMemoryLimit.getAsLong() <= size) {
            size = podMemoryLimit.getAsLong();
        }
        OptionalLong limit = sizeLimit(source);
        if (limit.isPresent() && limit.getAsLong() <= size) {
            size = limit.getAsLong();
        }
        return size;
    }

    /** The volume's {@code sizeLimit} in bytes, when set and positive. */
    public static OptionalLong sizeLimit(EmptyDirVolumeSource source) {
        Quantity q = source.getSizeLimit();
        if (q == null) {
            return OptionalLong.empty();
        }
        long bytes = Quantity.getAmountInBytes(q).longValue();
        return bytes > 0 ? OptionalLong.of(bytes) : OptionalLong.empty();
    }

    /** Whether the volume lives on the node's disk (its size limit is then the eviction manager's business). */
    public static boolean onDisk(EmptyDirVolumeSource source) {
        return source.getMedium() == null || source.getMedium().isEmpty();
    }

    private static void makeDir(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                // chmod after create: the umask must not narrow it
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("create emptyDir " + dir, e);
        }
    }
}
