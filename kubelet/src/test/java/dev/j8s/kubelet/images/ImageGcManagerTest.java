package dev.j8s.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.oci.image.GcPolicy;
import dev.j8s.oci.image.GcResult;
import dev.j8s.oci.reference.Digest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageGcManagerTest {

    private static final Digest USED = Digest.parse("sha256:" + "a".repeat(64));

    @Test
    void eachCollectionPassesTheImagesContainersUseAndThePolicy() {
        List<Set<Digest>> seen = new ArrayList<>();
        List<GcPolicy> policies = new ArrayList<>();
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        ImageGcManager gc = new ImageGcManager((policy, inUse, at) -> {
            seen.add(inUse);
            policies.add(policy);
            assertThat(at).isEqualTo(now);
            return new GcResult(10, List.of(), 10);
        }, () -> Set.of(USED), GcPolicy.DEFAULT, Clock.fixed(now, ZoneOffset.UTC));
        GcResult result = gc.collectOnce();
        assertThat(result.satisfied()).isTrue();
        assertThat(seen).containsExactly(Set.of(USED));
        assertThat(policies).containsExactly(GcPolicy.DEFAULT);
    }

    @Test
    void aShortfallIsWordedAsUpstreamsFreeDiskSpaceFailed() {
        assertThat(ImageGcManager.failureMessage(new GcResult(100, List.of(), 5000))).isEqualTo(
                "Failed to garbage collect required amount of images. Attempted to free 5000 bytes, "
                        + "but only found 100 bytes eligible to free.");
    }
}
