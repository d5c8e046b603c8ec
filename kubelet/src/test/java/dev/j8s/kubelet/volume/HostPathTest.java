package dev.j8s.kubelet.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPathTest {

    @TempDir
    Path dir;

    private Path setUp(String path, String type) {
        return HostPath.setUp(new HostPathVolumeSource(path, type));
    }

    @ParameterizedTest
    @CsvSource({
            "dir,  File,        is not a file",
            "file, Directory,   is not a directory",
            "file, Socket,      is not a socket file",
            "file, CharDevice,  is not a character device",
            "dir,  BlockDevice, is not a block device",
            "none, Directory,   is not a directory",
            "none, File,        is not a file"})
    void aPathOfAnotherKindFailsWithUpstreamsMessage(String kind, String type, String what) throws Exception {
        Files.createDirectory(dir.resolve("dir"));
        Files.writeString(dir.resolve("file"), "x");
        String path = dir.resolve(kind).toString();
        assertThatThrownBy(() -> setUp(path, type)).isInstanceOf(VolumeException.class)
                .hasMessage("hostPath type check failed: " + path + " " + what);
    }

    @Test
    void theMatchingKindsPass() throws Exception {
        Files.createDirectory(dir.resolve("dir"));
        Files.writeString(dir.resolve("file"), "x");
        assertThat(setUp(dir.resolve("dir").toString(), "Directory")).isEqualTo(dir.resolve("dir"));
        assertThat(setUp(dir.resolve("file").toString(), "File")).isEqualTo(dir.resolve("file"));
        assertThat(setUp("/dev/null", "CharDevice")).isEqualTo(Path.of("/dev/null"));
    }

    @Test
    void orCreateTypesMakeWhatIsMissingAndAnUnsetTypeMakesADirectory() throws Exception {
        Path made = setUp(dir.resolve("a/b").toString(), "DirectoryOrCreate");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made))).isEqualTo("rwxr-xr-x");
        Path file = setUp(dir.resolve("f").toString(), "FileOrCreate");
        assertThat(file).isEmptyFile();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
        assertThat(setUp(dir.resolve("unset").toString(), "")).isDirectory();
        String orphan = dir.resolve("missing/f").toString();
        assertThatThrownBy(() -> setUp(orphan, "FileOrCreate")).hasMessageContaining("no such file or directory");
    }

    @Test
    void backStepsAndUnknownTypesAreRefused() {
        assertThatThrownBy(() -> setUp("/srv/../etc", "")).hasMessage("invalid HostPath `/srv/../etc`: must not contain '..'");
        assertThatThrownBy(() -> setUp(dir.toString(), "Folder")).hasMessage("Folder is an invalid volume type");
    }
}
