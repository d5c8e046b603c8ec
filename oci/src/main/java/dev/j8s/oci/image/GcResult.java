package dev.j8s.oci.image;

import dev.j8s.oci.reference.Digest;
import java.util.List;

/**
 * What one garbage collection did. {@code bytesFreed < bytesWanted} is upstream's {@code FreeDiskSpaceFailed}:
 * {@code Failed to garbage collect required amount of images. Attempted to free <bytesWanted> bytes, but only
 * found <bytesFreed> bytes eligible to free.}
 *
 * <p>Immutable and thread-safe.
 *
 * @param bytesFreed bytes of the removed images
 * @param removed IDs of the removed images, in removal order
 * @param bytesWanted bytes the policy asked to free; 0 when usage was below the high threshold
 */
public record GcResult(long bytesFreed, List<Digest> removed, long bytesWanted) {
    public GcResult {
        removed = List.copyOf(removed);
    }

    /** Whether enough was freed. */
    public boolean satisfied() {
        return bytesFreed >= bytesWanted;
    }
}
