package dev.j8s.kubelet.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.j8s.runtime.oci.Mounts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile subPaths against real bind mounts (needs root): links a container planted in a volume never lead a
 * subPath mount out of it, also when a directory is swapped for a link between the check and the mount (made
 * deterministic with {@link SubPaths#afterCheck}); the legitimate links of API-data volumes still work.
 */
class SubPathsIT {

    @TempDir
    Path dir;
    private Path volume;

    @BeforeEach
    void rootOnly() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounts need root");
        volume = Files.createDirectories(dir.resolve("volume"));
        Files.createDirectories(volume.resolve("data/inner"));
        Files.writeString(volume.resolve("data/inner/file"), "volume content");
    }

    @AfterEach
    void unmountEverything() {
        SubPaths.afterCheck(p -> {});
        String prefix = dir.toAbsolutePath() + "/";
        Mounts.mountPoints().stream().filter(p -> p.startsWith(prefix)).sorted((a, b) -> b.length() - a.length())
                .forEach(p -> Mounts.unmount(Path.of(p)));
        assertThat(Mounts.mountPoints()).noneMatch(p -> p.startsWith(prefix));
    }

    @Test
    void aSubPathIsBoundByItsOpenDescriptorAndCanBeReadOnly() throws IOException {
        Path target = SubPaths.prepare(volume, "data/inner", dir.resolve("t/0"), true);
        assertThat(target.resolve("file")).hasContent("volume content");
        assertThat(Mounts.isMountPoint(target)).isTrue();
        assertThatThrownBy(() -> Files.writeString(target.resolve("new"), "x")).hasMessageContaining("Read-only");
        Path file = SubPaths.prepare(volume, "data/inner/file", dir.resolve("t/1"), false);
        assertThat(file).isRegularFile().hasContent("volume content");
    }

    @Test
    void linksToTheHostPlantedInTheVolumeAreRefused() throws IOException {
        Files.createSymbolicLink(volume.resolve("root"), Path.of("/"));
        Files.createSymbolicLink(volume.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(volume.resolve("up"), Path.of("../../../../../../.."));
        for (String subPath : List.of("root", "root/etc", "etc", "etc/passwd", "up/etc")) {
            assertThatThrownBy(() -> SubPaths.prepare(volume, subPath, dir.resolve("t/" + subPath.replace('/', '_')),
                    false)).as(subPath).isInstanceOf(VolumeException.class);
        }
        assertThat(Mounts.mountPoints()).noneMatch(p -> p.startsWith(dir.toAbsolutePath() + "/t"));
    }

    @Test
    void aDirectorySwappedForALinkToTheHostAfterTheCheckIsNeverMounted() {
        SubPaths.afterCheck(checked -> swap(volume.resolve("data"), Path.of("/etc")));
        assertThatThrownBy(() -> SubPaths.prepare(volume, "data/inner", dir.resolve("t/0"), false))
                .isInstanceOf(VolumeException.class).hasMessageContaining("data");
        assertThat(Mounts.isMountPoint(dir.resolve("t/0"))).isFalse();
    }

    @Test
    void aSwapOfTheFinalElementAfterTheCheckIsRefusedToo() {
        SubPaths.afterCheck(checked -> swap(volume.resolve("data/inner"), Path.of("/")));
        assertThatThrownBy(() -> SubPaths.prepare(volume, "data/inner", dir.resolve("t/0"), false))
                .isInstanceOf(VolumeException.class).hasMessageContaining("symlink");
        assertThat(Mounts.isMountPoint(dir.resolve("t/0"))).isFalse();
    }

    @Test
    void theLinksOfAnApiDataVolumeResolveInsideItAndMissingDirectoriesAreMadeWithoutFollowingLinks() throws IOException {
        new AtomicWriter(volume.resolve("cm"), java.time.Clock.systemUTC()).write(
                java.util.Map.of("app.conf", new AtomicWriter.FileProjection("k=v".getBytes(), 0644)));
        Path target = SubPaths.prepare(volume.resolve("cm"), "app.conf", dir.resolve("t/cm"), true);
        assertThat(target).hasContent("k=v");

        SubPaths.makeDirs(volume, "made/deeper", 0750);
        assertThat(volume.resolve("made/deeper")).isDirectory();
        Files.createSymbolicLink(volume.resolve("escape"), dir.resolve("outside"));
        Files.createDirectories(dir.resolve("outside"));
        assertThatThrownBy(() -> SubPaths.makeDirs(volume, "escape/x", 0750)).isInstanceOf(VolumeException.class);
        assertThat(dir.resolve("outside/x")).doesNotExist();
    }

    /** What a container does to a volume it writes: a directory replaced by a symbolic link. */
    private static void swap(Path directory, Path linkTarget) {
        try {
            Files.move(directory, directory.resolveSibling(directory.getFileName() + ".moved"));
            Files.createSymbolicLink(directory, linkTarget);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
