package dev.j8s.oci.manifest;

import dev.j8s.oci.reference.Digest;
import java.util.List;

/**
 * A multi-platform index (OCI image index or Docker manifest list).
 *
 * <p>Immutable and thread-safe.
 */
public record ImageIndex(String mediaType, Digest digest, List<Descriptor> manifests, byte[] raw)
        implements Manifest {
    public ImageIndex {
        manifests = List.copyOf(manifests);
    }

    /**
     * The entry for {@code platform}: the best-scoring image manifest entry, the first on ties.
     *
     * @throws ManifestException {@code no match for platform in manifest: not found} (containerd's text)
     */
    public Descriptor select(Platform platform) {
        Descriptor best = null;
        int bestScore = -1;
        for (Descriptor d : manifests) {
            if (!MediaTypes.isManifest(d.mediaType()) && !MediaTypes.isIndex(d.mediaType())) {
                continue;
            }
            int score = d.platform().map(platform::score).orElse(-1);
            if (score > bestScore) {
                best = d;
                bestScore = score;
            }
        }
        if (best == null) {
            throw new ManifestException("no match for platform " + platform + " in manifest " + digest + ": not found");
        }
        return best;
    }
}
