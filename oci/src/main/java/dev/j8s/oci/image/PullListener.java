package dev.j8s.oci.image;

import dev.j8s.oci.reference.Digest;
import java.time.Duration;

/**
 * Observes one pull: the layers it needs, the bytes downloaded per layer and the end. Called from pull worker
 * threads, so implementations must be thread-safe; they must also be quick and must not throw.
 */
public interface PullListener {
    /** Ignores everything. */
    PullListener NONE = new PullListener() {
        @Override
        public void layer(Digest digest, long size) {}

        @Override
        public void progress(Digest digest, long bytes) {}

        @Override
        public void done(Duration took, long bytes) {}
    };

    /** A layer of {@code size} compressed bytes will be fetched (not called for layers already present). */
    void layer(Digest digest, long size);

    /** {@code bytes} compressed bytes of the layer have arrived so far. */
    void progress(Digest digest, long bytes);

    /** The pull finished successfully after {@code took}, having downloaded {@code bytes} compressed bytes. */
    void done(Duration took, long bytes);
}
