package dev.j8s.oci.layer;

/**
 * Caps that bound the work and disk one layer may cause: decompression bombs, inode bombs, long names.
 *
 * <p>Immutable and thread-safe.
 *
 * @param maxUncompressedBytes most bytes the decompressed tar stream may have
 * @param maxRatio most uncompressed bytes per compressed byte (checked once past {@code 16 MiB} of output)
 * @param maxEntries most tar entries
 * @param maxPathBytes longest entry name or link target in bytes
 * @param minFreeBytes unpacking stops when the destination file system has less free space than this
 */
public record UnpackLimits(long maxUncompressedBytes, long maxRatio, long maxEntries, int maxPathBytes, long minFreeBytes) {
    /** 32 GiB, ratio 250, one million entries, 4096-byte names, 256 MiB free space. */
    public static final UnpackLimits DEFAULT = new UnpackLimits(32L << 30, 250, 1_000_000, 4096, 256L << 20);

    public UnpackLimits {
        if (maxUncompressedBytes <= 0 || maxRatio <= 0 || maxEntries <= 0 || maxPathBytes <= 0 || minFreeBytes < 0) {
            throw new IllegalArgumentException("unpack limits must be positive");
        }
    }
}
