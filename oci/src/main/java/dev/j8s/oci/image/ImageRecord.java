package dev.j8s.oci.image;

import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.oci.reference.Digest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One image present on this node: its identity, names, runtime config and unpacked layers.
 *
 * <p>Immutable and thread-safe; a snapshot — the store hands out a new record after each change.
 *
 * @param id the config digest (upstream's image ID)
 * @param manifestDigest digest of the manifest or index the image was resolved from (its repo digest)
 * @param references canonical names, e.g. {@code 127.0.0.1:5000/team/app:1.0} and {@code repo@sha256:…}
 * @param config the runtime-relevant config
 * @param size bytes unpacked on disk (sum of the layers' uncompressed tar streams)
 * @param layers overlay lower dirs, base layer first
 * @param pulls which registry and credential identity pulled the image, oldest first
 * @param firstSeen when the image first appeared on this node
 * @param lastUsed when a container last used it ({@code firstSeen} until then)
 */
public record ImageRecord(Digest id, Digest manifestDigest, List<String> references, ImageConfig config, long size,
                          List<Path> layers, List<PullRecord> pulls, Instant firstSeen, Instant lastUsed) {
    public ImageRecord {
        references = List.copyOf(references);
        layers = List.copyOf(layers);
        pulls = List.copyOf(pulls);
    }
}
