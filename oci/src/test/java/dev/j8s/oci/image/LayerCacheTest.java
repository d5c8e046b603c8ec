package dev.j8s.oci.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.oci.layer.LayerExtractor;
import dev.j8s.oci.layer.UnpackLimits;
import dev.j8s.oci.manifest.LayerCompression;
import dev.j8s.oci.reference.Digest;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerCacheTest {
    @TempDir Path temp;

    /**
     * A layer's unpacking makes native calls (file creation, the syncfs before its rename) that pin a virtual
     * thread's carrier for as long as they block: with one carrier per core, two layers waiting for their write-back
     * held every carrier and stalled the other layers' virtual threads. It runs on a platform thread.
     */
    @Test
    void aLayerIsUnpackedAndSyncedOnAPlatformThread() throws Exception {
        byte[] layer = ImageStoreTest.tar("etc/motd", "hi\n");
        Digest diffId = Digest.sha256(layer);
        AtomicReference<Thread> opener = new AtomicReference<>();
        try (LayerCache cache = new LayerCache(temp.resolve("layers"),
                new LayerExtractor(new UnpackLimits(1L << 30, 250, 10_000, 4096, 0)), 2)) {
            long size = cache.ensure(diffId, diffId, "test", LayerCompression.NONE, () -> {
                opener.set(Thread.currentThread());
                return new ByteArrayInputStream(layer);
            }, () -> {}, p -> {}).get(30, TimeUnit.SECONDS);
            assertThat(size).isEqualTo(layer.length);
            assertThat(cache.dir(diffId).resolve("etc/motd")).hasContent("hi");
            assertThat(opener.get().isVirtual()).as("the unpacking thread %s is virtual", opener.get()).isFalse();
        }
    }
}
