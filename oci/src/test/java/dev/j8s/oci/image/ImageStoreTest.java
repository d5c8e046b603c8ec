package dev.j8s.oci.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.RegistryOptions;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
    @TempDir Path temp;

    static byte[] tar(Object... namesAndContents) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < namesAndContents.length; i += 2) {
                TarArchiveEntry e = new TarArchiveEntry((String) namesAndContents[i]);
                byte[] data = namesAndContents[i + 1] instanceof byte[] b ? b
                        : ((String) namesAndContents[i + 1]).getBytes(StandardCharsets.UTF_8);
                e.setSize(data.length);
                e.setMode(0755);
                t.putArchiveEntry(e);
                t.write(data);
                t.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    /** A docker save archive: manifest.json, a config and uncompressed layer tars. */
    Path dockerSave(String name, String tag, String motd, boolean wrongDiffId) throws Exception {
        byte[] l0 = tar("bin/hello", "#!/bin/sh\necho hello\n");
        byte[] l1 = tar("etc/motd", motd);
        Digest d1 = wrongDiffId ? Digest.sha256("other".getBytes(StandardCharsets.UTF_8)) : Digest.sha256(l1);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"/bin/hello\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256(l0) + "\",\"" + d1 + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        String configName = Digest.sha256(config).hex() + ".json";
        byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + tag + "\"],"
                + "\"Layers\":[\"a/layer.tar\",\"b/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8);
        Path archive = temp.resolve(name + ".tar");
        Files.write(archive, tar("manifest.json", manifest, configName, config, "a/layer.tar", l0, "b/layer.tar", l1));
        return archive;
    }

    ImageStore open(String name) {
        return ImageStore.open(temp.resolve(name), RegistryOptions.DEFAULT,
                new dev.j8s.oci.layer.UnpackLimits(1L << 30, 250, 10_000, 4096, 0));
    }

    @Test
    void dockerSaveArchiveImportsWithItsRepoTags() throws Exception {
        try (ImageStore store = open("s")) {
            ImageRecord r = store.importArchive(dockerSave("save", "j8s/saved:1.0", "hi\n", false));
            assertThat(r.references()).contains("docker.io/j8s/saved:1.0");
            assertThat(r.config().cmd()).containsExactly("/bin/hello");
            assertThat(r.layers().get(0).resolve("bin/hello")).hasContent("#!/bin/sh\necho hello");
            assertThat(r.layers().get(1).resolve("etc/motd")).hasContent("hi");
            assertThat(r.pulls()).isEmpty();
            assertThat(store.find(ImageReference.parse("j8s/saved:1.0"))).get().extracting(ImageRecord::id).isEqualTo(r.id());
            assertThat(store.find(ImageReference.parse("docker.io/j8s/saved@" + r.manifestDigest()))).isPresent();
        }
    }

    @Test
    void layerWhoseDiffIdDoesNotMatchTheConfigIsRejectedAndLeavesNoDirectory() throws Exception {
        try (ImageStore store = open("bad")) {
            assertThatThrownBy(() -> store.importArchive(dockerSave("bad", "j8s/bad:1", "x\n", true)))
                    .isInstanceOf(PullException.class)
                    .hasMessageMatching("failed to import image archive \\S+: layer [^ :]+: uncompressed content has digest "
                            + "sha256:[0-9a-f]{64} but the image config says sha256:[0-9a-f]{64}")
                    .satisfies(e -> assertThat(((PullException) e).kind()).isEqualTo(PullException.Kind.INVALID_IMAGE));
            assertThat(store.list()).isEmpty();
        }
        try (Stream<Path> s = Files.list(temp.resolve("bad/layers"))) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp"));
        }
    }

    @Test
    void recordsSurviveReopenAndUnfinishedLayerDirsAreRemoved() throws Exception {
        Digest id;
        try (ImageStore store = open("r")) {
            id = store.importArchive(dockerSave("r", "j8s/r:1", "r\n", false)).id();
            store.markUsed(id, Instant.parse("2030-01-01T00:00:00Z"));
        }
        Path junk = Files.createDirectories(temp.resolve("r/layers/.tmp-deadbeef-1/bin"));
        try (ImageStore store = open("r")) {
            assertThat(store.find(ImageReference.parse("j8s/r:1"))).get().satisfies(r -> {
                assertThat(r.id()).isEqualTo(id);
                assertThat(r.lastUsed()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
                assertThat(r.layers()).allSatisfy(l -> assertThat(l).isDirectory());
            });
        }
        assertThat(junk.getParent()).doesNotExist();
    }

    @Test
    void removeUntagsAndDeletesTheImageWithItsLayersWhenNoReferenceIsLeft() throws Exception {
        try (ImageStore store = open("rm")) {
            ImageRecord r = store.importArchive(dockerSave("rm", "j8s/rm:1", "rm\n", false));
            store.remove(ImageReference.parse("j8s/rm:1"));
            assertThat(store.find(ImageReference.parse("j8s/rm:1"))).isEmpty();
            assertThat(store.list()).hasSize(1); // the digest reference is left
            store.remove(ImageReference.parse("docker.io/j8s/rm@" + r.manifestDigest()), Set.of());
            assertThat(store.list()).isEmpty();
            assertThat(r.layers()).allSatisfy(l -> assertThat(l).doesNotExist());
        }
    }

    @Test
    void garbageCollectionFreesLeastRecentlyUsedUnusedImagesOldEnough() throws Exception {
        try (ImageStore store = open("gc")) {
            ImageRecord a = store.importArchive(dockerSave("a", "j8s/a:1", "a\n", false));
            ImageRecord b = store.importArchive(dockerSave("b", "j8s/b:1", "b\n", false));
            ImageRecord c = store.importArchive(dockerSave("c", "j8s/c:1", "c\n", false));
            Instant now = Instant.now().plus(Duration.ofMinutes(5));
            store.markUsed(a.id(), now.minusSeconds(10));
            store.markUsed(b.id(), now.minusSeconds(100));
            // 90 % used: want capacity*(100-80)/100 - available = 200 - 100 = 100 bytes; b is oldest, c in use.
            GcResult below = store.garbageCollect(GcPolicy.DEFAULT, Set.of(), now, 1000, 200);
            assertThat(below.bytesWanted()).isZero();
            GcResult r = store.garbageCollect(GcPolicy.DEFAULT, Set.of(c.id()), now, 1000, 100);
            assertThat(r.bytesWanted()).isEqualTo(100);
            assertThat(r.removed()).first().isEqualTo(b.id());
            assertThat(r.removed()).doesNotContain(c.id());
            GcResult young = store.garbageCollect(new GcPolicy(85, 80, Duration.ofHours(1)), Set.of(), now, 1000, 100);
            assertThat(young.removed()).isEmpty();
            assertThat(young.satisfied()).isFalse();
            assertThatThrownBy(() -> store.garbageCollect(GcPolicy.DEFAULT, Set.of(), now, 0, 0))
                    .hasMessage("invalid capacity 0 on image filesystem");
        }
    }

    @Test
    void chainIdsFollowTheImageSpec() {
        Digest a = Digest.sha256("a".getBytes(StandardCharsets.UTF_8));
        Digest b = Digest.sha256("b".getBytes(StandardCharsets.UTF_8));
        assertThat(LayerCache.chainIds(List.of(a, b))).containsExactly(a,
                Digest.sha256((a + " " + b).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void gcThresholdsAreValidatedWithUpstreamsMessage() {
        assertThatThrownBy(() -> new GcPolicy(85, 90, Duration.ZERO)).hasMessage("invalid configuration: imageGCLowThresholdPercent "
                + "(--image-gc-low-threshold) 90 must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) 85");
    }
}
