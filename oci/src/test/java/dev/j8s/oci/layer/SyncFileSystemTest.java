package dev.j8s.oci.layer;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one syncfs(2) per unpacked layer reaches the kernel and reports its errors. */
class SyncFileSystemTest {
    @TempDir Path temp;

    @Test
    void aDirectoryWithFreshFilesIsSynced() throws Exception {
        Files.writeString(temp.resolve("f"), "data");
        assertThatCode(() -> LayerExtractor.syncFileSystem(temp)).doesNotThrowAnyException();
    }

    @Test
    void aMissingDirectoryFailsWithTheErrno() {
        assertThatThrownBy(() -> LayerExtractor.syncFileSystem(temp.resolve("missing")))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageEndingWith("open " + temp.resolve("missing") + ": No such file or directory");
    }
}
