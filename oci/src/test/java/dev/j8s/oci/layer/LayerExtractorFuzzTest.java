package dev.j8s.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.oci.manifest.LayerCompression;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random layers built from an escape-prone vocabulary; the oracle is "nothing outside the root changed",
 * not merely "no crash". Seeded, so a failure reproduces; the seed and counts are printed.
 */
class LayerExtractorFuzzTest {
    @TempDir Path temp;

    static final List<String> NAMES = List.of("a", "b", "a/b", "a/b/c", "..", "../victim", "../victim/hello", "a/..",
            "a/../..", ".", "./a", "//a", "/a", "victim", "link", "link/x", "a/link", "a/link/y", ".wh.a", "a/.wh..wh..opq",
            ".wh..", "x/../../root-evil/secret", "../root-evil", "link/../../victim/z", "tmp/breakout-j8s",
            "up", "up/hello", "up/victim/hello", "up/.wh.hello", "up/.wh..wh..opq", "a/up", "a/up/x", "a/up/up/y");
    /** Targets are stored verbatim, so many climb above the root: entries written through them must still be refused. */
    static final List<String> TARGETS = List.of("..", "../..", "../victim", "/", "/etc", "a", "a/b", "../root-evil/secret",
            "link", "./a/../..", "/../victim", "victim/hello", "a/../../victim", "../../../victim", "../../..",
            "../../root-evil", "up/..", "../x86_64-linux-gnu/jni/libatk-wrapper.so");

    @Test
    void randomHostileLayersNeverEscape() throws IOException {
        long seed = Long.getLong("fuzz.seed", 20261126L);
        int iterations = Integer.getInteger("fuzz.iterations", 400);
        Random rnd = new Random(seed);
        int refused = 0;
        for (int i = 0; i < iterations; i++) {
            SentinelTree tree = new SentinelTree(temp.resolve("w" + i));
            Map<String, String> before = tree.snapshot();
            TarBuilder b = new TarBuilder();
            if (rnd.nextBoolean()) {
                // a climbing symlink first, so that later entries often try to go through it
                b.symlink(rnd.nextBoolean() ? "up" : "a/up", TARGETS.get(rnd.nextInt(TARGETS.size())));
            }
            int entries = 1 + rnd.nextInt(8);
            for (int j = 0; j < entries; j++) {
                String name = NAMES.get(rnd.nextInt(NAMES.size()));
                switch (rnd.nextInt(6)) {
                    case 0 -> b.dir(name);
                    case 1 -> b.file(name, "payload-" + i + "-" + j);
                    case 2 -> b.symlink(name, TARGETS.get(rnd.nextInt(TARGETS.size())));
                    case 3 -> b.hardlink(name, rnd.nextBoolean() ? TARGETS.get(rnd.nextInt(TARGETS.size())) : NAMES.get(rnd.nextInt(NAMES.size())));
                    case 4 -> b.fifo(name);
                    default -> b.device(name, TarConstants.LF_CHR, 0, 0);
                }
            }
            try {
                new LayerExtractor(new UnpackLimits(1 << 20, 100, 100, 4096, 0))
                        .extract("fuzz-" + i, new ByteArrayInputStream(b.build()), LayerCompression.NONE, tree.root);
            } catch (LayerException expected) {
                refused++;
            }
            assertThat(tree.snapshot()).as("iteration %d seed %d", i, seed).isEqualTo(before);
            assertNoWriteLandedThroughASymlink(tree.root);
            deleteTree(tree.work);
        }
        System.out.printf("extractor fuzz: seed=%d iterations=%d refused=%d contained=%d escapes=0%n",
                seed, iterations, refused, iterations - refused);
        assertThat(refused).isPositive().isLessThan(iterations);
    }

    /** Inside the root too: no path below a symlink exists (nothing was created "through" one and re-rooted). */
    static void assertNoWriteLandedThroughASymlink(Path root) throws IOException {
        try (var all = Files.walk(root)) {
            for (Path p : all.toList()) {
                for (Path q = p.getParent(); q != null && q.startsWith(root) && !q.equals(root); q = q.getParent()) {
                    assertThat(Files.isSymbolicLink(q)).as("%s lies below the symlink %s", p, q).isFalse();
                }
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        LayerExtractor.removeExisting(p);
        assertThat(Files.exists(p)).isFalse();
    }
}
