package dev.j8s.oci.manifest;

import dev.j8s.oci.reference.Digest;
import java.util.Map;
import java.util.Optional;

/**
 * A content descriptor: media type, digest and size of a blob, plus the platform for index entries.
 * Foreign {@code urls} are deliberately not modelled: j8s never fetches them.
 *
 * <p>Immutable and thread-safe.
 */
public record Descriptor(String mediaType, Digest digest, long size, Optional<Platform> platform,
                         Map<String, String> annotations) {
    public Descriptor {
        if (size < 0) {
            throw new ManifestException("descriptor " + digest + " has negative size " + size);
        }
        annotations = Map.copyOf(annotations);
    }

    /** A descriptor without platform or annotations. */
    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, Optional.empty(), Map.of());
    }
}
