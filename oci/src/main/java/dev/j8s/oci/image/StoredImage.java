package dev.j8s.oci.image;

import dev.j8s.oci.reference.Digest;
import java.time.Instant;
import java.util.List;

/**
 * The persisted form of an image record; the config is kept in the blob store and parsed when a record is built.
 *
 * <p>Immutable and thread-safe.
 */
record StoredImage(Digest id, Digest manifestDigest, List<String> references, List<Digest> blobs, List<Layer> layers,
                   List<PullRecord> pulls, Instant firstSeen, Instant lastUsed) {
    StoredImage {
        references = List.copyOf(references);
        blobs = List.copyOf(blobs);
        layers = List.copyOf(layers);
        pulls = List.copyOf(pulls);
    }

    /** One layer: its chain ID (the directory), diff ID and unpacked size. */
    record Layer(Digest chainId, Digest diffId, long size) {}

    StoredImage withReferences(List<String> refs) {
        return new StoredImage(id, manifestDigest, refs, blobs, layers, pulls, firstSeen, lastUsed);
    }

    StoredImage withLastUsed(Instant when) {
        return new StoredImage(id, manifestDigest, references, blobs, layers, pulls, firstSeen, when);
    }

    StoredImage withManifestDigest(Digest d) {
        return new StoredImage(id, d, references, blobs, layers, pulls, firstSeen, lastUsed);
    }
}
