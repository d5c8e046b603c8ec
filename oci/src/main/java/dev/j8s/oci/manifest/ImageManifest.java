package dev.j8s.oci.manifest;

import dev.j8s.oci.reference.Digest;
import java.util.List;

/**
 * A single-platform image manifest (Docker schema 2 or OCI): config descriptor and ordered layers.
 *
 * <p>Immutable and thread-safe.
 */
public record ImageManifest(String mediaType, Digest digest, Descriptor config, List<Descriptor> layers, byte[] raw)
        implements Manifest {
    public ImageManifest {
        layers = List.copyOf(layers);
    }

    /** Sum of the compressed layer sizes plus the config size. */
    public long size() {
        return config.size() + layers.stream().mapToLong(Descriptor::size).sum();
    }
}
