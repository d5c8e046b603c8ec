package dev.j8s.oci.manifest;

import dev.j8s.oci.reference.Digest;

/**
 * A parsed manifest document: either one image's manifest or a multi-platform index.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public sealed interface Manifest permits ImageManifest, ImageIndex {
    /** The document's media type. */
    String mediaType();

    /** The digest of the exact bytes the document was parsed from. */
    Digest digest();

    /** The raw bytes, exactly as received. */
    byte[] raw();
}
