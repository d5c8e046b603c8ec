package dev.j8s.kubelet.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeOwnershipTest {

    @TempDir
    Path dir;

    private static int gid(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    private static String mode(Path p) throws Exception {
        return Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    }

    @Test
    void theTreeGoesToTheFsGroupWithGroupAccessAndSetgidDirectories() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "chown needs root");
        Path root = Files.createDirectories(dir.resolve("vol"));
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/f"), "x");
        Files.setPosixFilePermissions(root.resolve("sub/f"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root.resolve("sub"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(root.resolve("link"), Path.of("/etc/passwd"));
        int passwdGid = gid(Path.of("/etc/passwd"));
        String passwdMode = mode(Path.of("/etc/passwd"));

        assertThat(VolumeOwnership.apply(root, 2000, "Always", false)).isTrue();

        assertThat(gid(root.resolve("sub/f"))).isEqualTo(2000);
        assertThat(mode(root.resolve("sub/f"))).isEqualTo("660");
        assertThat(mode(root.resolve("sub"))).isEqualTo("2775");
        assertThat(mode(root)).isEqualTo("2775");
        assertThat(gid(root.resolve("link"))).isEqualTo(2000);
        assertThat(gid(Path.of("/etc/passwd"))).as("a link is never followed").isEqualTo(passwdGid);
        assertThat(mode(Path.of("/etc/passwd"))).isEqualTo(passwdMode);

        assertThat(VolumeOwnership.apply(root, 2000, "OnRootMismatch", false)).as("root already matches").isFalse();
        assertThat(VolumeOwnership.apply(root, 3000, "OnRootMismatch", false)).isTrue();
        assertThat(gid(root.resolve("sub/f"))).isEqualTo(3000);
    }

    @Test
    void readOnlyVolumesGetGroupReadOnly() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "chown needs root");
        Path root = Files.createDirectories(dir.resolve("ro"));
        Files.writeString(root.resolve("token"), "x");
        Files.setPosixFilePermissions(root.resolve("token"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        VolumeOwnership.apply(root, 2000, "Always", true);
        assertThat(mode(root.resolve("token"))).isEqualTo("640");
    }
}
