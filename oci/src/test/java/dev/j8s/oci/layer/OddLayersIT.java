package dev.j8s.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.ImageStore;
import dev.j8s.oci.image.PullException;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.RegistryOptions;
import dev.j8s.oci.testing.DistributionRegistry;
import dev.j8s.oci.testing.OddLayers;
import dev.j8s.oci.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The odd-but-legal layers GNU tar writes, pulled from a real distribution registry: each one unpacks into the overlay
 * lower dirs as containerd's overlay applier would leave them (the e2e test {@code OddImagesIT} shows what a
 * container sees of them); the hostile layer is refused with a single-prefix message and leaves nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OddLayersIT {
    @TempDir static Path temp;
    DistributionRegistry registry;
    OddLayers odd;
    ImageStore store;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(DistributionRegistry.available() && OddLayers.available() && Tools.available("skopeo"),
                "needs docker-registry, skopeo, GNU tar and busybox");
        odd = OddLayers.build(Files.createDirectories(temp.resolve("build")));
        registry = DistributionRegistry.start(Files.createDirectories(temp.resolve("registry")), "", "");
        Tools.push(odd.layout, OddLayers.ODD, registry.host() + "/odd/corpus:1", "", List.of());
        Tools.push(odd.layout, OddLayers.HOSTILE, registry.host() + "/odd/hostile:1", "", List.of());
        store = ImageStore.open(temp.resolve("store"), RegistryOptions.DEFAULT,
                new UnpackLimits(1L << 30, 250, 10_000, 4096, 0));
    }

    @AfterAll
    void stop() {
        if (store != null) {
            store.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void everyOddButLegalLayerUnpacksAsContainerdWouldLeaveIt() throws IOException {
        ImageRecord image = store.pull(ImageReference.parse(registry.host() + "/odd/corpus:1"),
                CredentialSupplier.ANONYMOUS, PullListener.NONE);
        assertThat(image.layers()).hasSize(3);
        Path gnu = image.layers().get(1);
        Path pax = image.layers().get(2);

        assertThat(Files.readSymbolicLink(gnu.resolve(OddLayers.CLIMBING_LINK)).toString()).isEqualTo(OddLayers.CLIMBING_TARGET);
        assertThat(Files.readSymbolicLink(gnu.resolve("etc/motd-link")).toString()).isEqualTo("/etc/motd");
        assertThat(Files.readSymbolicLink(gnu.resolve("dangling")).toString()).isEqualTo("/does/not/exist");
        assertThat(attr(gnu.resolve("data/hard-a"), "ino")).isEqualTo(attr(gnu.resolve("data/hard-b"), "ino"));
        assertThat(attr(gnu.resolve("data/hard-a"), "nlink")).isEqualTo(2);
        assertThat(gnu.resolve(OddLayers.GNU_LONG_NAME)).hasContent("gnu long name");
        assertThat(attr(gnu.resolve("bin/suid"), "mode")).isEqualTo(0100000 | 04755);
        assertThat(attr(gnu.resolve("bin/sgid"), "mode")).isEqualTo(0100000 | 02755);
        assertThat(attr(gnu.resolve("bin/sgid"), "gid")).isEqualTo(42);
        assertThat(attr(gnu.resolve("run/pipe"), "mode")).isEqualTo(0010000 | 0640);
        assertThat(List.of(attr(gnu.resolve("home/user"), "uid"), attr(gnu.resolve("home/user"), "gid"),
                attr(gnu.resolve("home/user"), "mode"))).containsExactly(1234, 5678, 040000 | 0700);
        assertThat(List.of(attr(gnu.resolve("home/user/file"), "uid"), attr(gnu.resolve("home/user/file"), "mode")))
                .containsExactly(1234, 0100000 | 0640);
        assertSparse(gnu.resolve("var/sparse.img"));

        assertThat(pax.resolve(OddLayers.PAX_LONG_NAME)).hasContent("pax long name");
        assertSparse(pax.resolve("var/pax-sparse.img"));
        assertThat(isWhiteout(pax.resolve("etc/motd-to-delete"))).as("whiteout of a file").isTrue();
        assertThat(isWhiteout(pax.resolve("gone-dir"))).as("whiteout of a directory").isTrue();
        assertThat(Native.lgetxattr(pax.resolve("opaque"), "trusted.overlay.opaque").map(String::new).orElse("")).isEqualTo("y");
        assertThat(pax.resolve("opaque/.wh..wh..opq")).doesNotExist();
        assertThat(pax.resolve("swap-dir")).isRegularFile().hasContent("now a file");
        assertThat(pax.resolve("swap-file/inside")).hasContent("now a directory");
        assertThat(gnu.resolve("swap-dir/inner")).isRegularFile();
        try (Stream<Path> names = Files.list(pax)) {
            assertThat(names.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".wh."));
        }
    }

    @Test
    void aWriteThroughAClimbingSymlinkIsRefusedWithOnePrefixAndLeavesNothing() throws IOException {
        ImageReference ref = ImageReference.parse(registry.host() + "/odd/hostile:1");
        assertThatThrownBy(() -> store.pull(ref, CredentialSupplier.ANONYMOUS, PullListener.NONE))
                .isInstanceOf(PullException.class)
                .satisfies(e -> assertThat(((PullException) e).kind()).isEqualTo(PullException.Kind.INVALID_IMAGE))
                .hasMessage("failed to pull and unpack image \"" + ref + "\": layer " + odd.layers(OddLayers.HOSTILE).get(1)
                        + ": entry \"" + OddLayers.HOSTILE_ENTRY + "\": path goes through symlink \"" + OddLayers.HOSTILE_LINK + "\"");
        assertThat(store.find(ref)).isEmpty();
        assertThat(Path.of("/tmp/breakout-j8s")).doesNotExist();
        try (Stream<Path> dirs = Files.list(temp.resolve("store/layers"))) {
            assertThat(dirs.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp"));
        }
    }

    private static void assertSparse(Path file) throws IOException {
        assertThat(Files.size(file)).isEqualTo(OddLayers.SPARSE_SIZE);
        try (var in = Files.newInputStream(file)) {
            java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md5.update(buf, 0, n);
            }
            assertThat(java.util.HexFormat.of().formatHex(md5.digest())).isEqualTo(OddLayers.sparseMd5());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Process stat = new ProcessBuilder("stat", "-c", "%b", file.toString()).start();
        long blocks = Long.parseLong(new String(stat.getInputStream().readAllBytes()).strip());
        assertThat(blocks * 512).as("allocated bytes of an 8 MiB file with two short data regions").isLessThan(1 << 20);
    }

    private static Object attr(Path p, String name) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
        return a.get(name);
    }

    private static boolean isWhiteout(Path p) throws IOException {
        int mode = (int) attr(p, "mode");
        return (mode & 0170000) == 0020000 && (long) attr(p, "rdev") == 0;
    }
}
