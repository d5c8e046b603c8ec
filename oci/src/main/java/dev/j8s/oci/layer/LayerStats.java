package dev.j8s.oci.layer;

import dev.j8s.oci.reference.Digest;

/**
 * What unpacking one layer produced.
 *
 * <p>Immutable and thread-safe.
 *
 * @param diffId digest of the uncompressed tar stream (the config's {@code rootfs.diff_ids} entry)
 * @param compressedBytes bytes read from the compressed stream
 * @param uncompressedBytes bytes of the uncompressed tar stream
 * @param entries number of tar entries applied
 */
public record LayerStats(Digest diffId, long compressedBytes, long uncompressedBytes, long entries) {}
